"""The zodiac avatar (/avatar): sun → moon → rising sign (each may be "I don't know") →
up to three traits, chosen or typed → an HD sigil. Universe plan only."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.callbacks import AvatarCallback, AvatarStep
from handlers.common.screens import show_screen
from handlers.common.states import AvatarForm
from handlers.cosmic import keyboards
from handlers.cosmic.coach import make_art, tap_key
from handlers.cosmic.keyboards import TRAITS, UNKNOWN, trait_label
from handlers.cosmic.texts import caption, upgrade_text
from services.core.categories import AvatarParams, Category
from services.core.models import Account
from services.core.tiers import POLICIES
from services.cosmic.astro import SIGNS_BY_KEY
from services.cosmic.service import CosmicService

MAX_TRAITS = 3
MAX_TRAIT_LENGTH = 30


async def command_avatar(
    message: Message, state: FSMContext, account: Account, cosmic: CosmicService
) -> None:
    if Category.AVATAR not in POLICIES[cosmic.tier_of(account)].categories:
        await message.answer(upgrade_text(Category.AVATAR))
        return
    await state.set_state(AvatarForm.choosing)
    await state.set_data({"traits": []})
    await message.answer(
        _("☉ Your sun sign:"), reply_markup=keyboards.avatar_signs(AvatarStep.SUN, unknown=False)
    )


async def process_sign(
    query: CallbackQuery, callback_data: AvatarCallback, state: FSMContext
) -> None:
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    data = await state.get_data()
    step, value = callback_data.step, callback_data.value
    if step is AvatarStep.SUN and not value:  # Back: start again
        await state.set_data({"traits": data.get("traits", [])})
        markup = keyboards.avatar_signs(AvatarStep.SUN, unknown=False)
        await show_screen(message, _("☉ Your sun sign:"), markup, edit=True)
    elif step is AvatarStep.SUN:
        await state.update_data(sun=value)
        markup = keyboards.avatar_signs(AvatarStep.MOON, unknown=True)
        await show_screen(message, _("☽ Your moon sign:"), markup, edit=True)
    elif step is AvatarStep.MOON:
        await state.update_data(moon=data.get("sun") if value == UNKNOWN else value)
        markup = keyboards.avatar_signs(AvatarStep.RISING, unknown=True)
        await show_screen(message, _("↑ Your rising sign:"), markup, edit=True)
    else:
        await state.update_data(rising=data.get("sun") if value == UNKNOWN else value)
        await show_traits(message, data.get("traits", []), edit=True)


async def show_traits(message: Message, traits: list[str], *, edit: bool) -> None:
    text = _("Pick up to {count} traits, or type your own:").format(count=MAX_TRAITS)
    await show_screen(message, text, keyboards.avatar_traits(traits), edit=edit)


async def process_trait(
    query: CallbackQuery, callback_data: AvatarCallback, state: FSMContext
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    traits: list[str] = (await state.get_data()).get("traits", [])
    if callback_data.value in traits:
        traits.remove(callback_data.value)
    elif len(traits) >= MAX_TRAITS:
        await query.answer(_("Up to {count} traits.").format(count=MAX_TRAITS), show_alert=True)
        return
    else:
        traits.append(callback_data.value)
    await query.answer()
    await state.update_data(traits=traits)
    await show_traits(message, traits, edit=True)


async def process_type(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(AvatarForm.trait)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Send one trait in a few words (up to {limit} characters).").format(
                limit=MAX_TRAIT_LENGTH
            )
        )


async def typed_trait(message: Message, state: FSMContext) -> None:
    text = " ".join((message.text or "").split())
    if not text or len(text) > MAX_TRAIT_LENGTH:
        await message.answer(
            _("Please send a trait of up to {limit} characters.").format(limit=MAX_TRAIT_LENGTH)
        )
        return
    traits: list[str] = (await state.get_data()).get("traits", [])
    if len(traits) < MAX_TRAITS:
        traits.append(text)
    await state.update_data(traits=traits)
    await state.set_state(AvatarForm.choosing)
    await show_traits(message, traits, edit=False)


async def process_go(
    query: CallbackQuery, state: FSMContext, bot: Bot, account: Account, cosmic: CosmicService
) -> None:
    await query.answer()
    message = query.message
    data = await state.get_data()
    if not isinstance(message, Message) or not all(k in data for k in ("sun", "moon", "rising")):
        return
    await state.clear()
    traits = tuple(trait_label(t) if t in TRAITS else t for t in data.get("traits", []))
    request = AvatarParams(data["sun"], data["moon"], data["rising"], traits)
    await message.edit_reply_markup(reply_markup=None)
    await make_art(
        message,
        bot,
        account,
        cosmic,
        request,
        tap_key(query),
        caption(request),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_avatar, Command("avatar"))
    signs = SIGNS_BY_KEY.keys()
    in_flow = AvatarForm.choosing
    router.callback_query.register(
        process_sign,
        in_flow,
        AvatarCallback.filter((F.step == AvatarStep.SUN) & F.value.in_(signs | {""})),
    )
    router.callback_query.register(
        process_sign,
        in_flow,
        AvatarCallback.filter(
            F.step.in_({AvatarStep.MOON, AvatarStep.RISING}) & F.value.in_(signs | {UNKNOWN})
        ),
    )
    router.callback_query.register(
        process_trait,
        in_flow,
        AvatarCallback.filter((F.step == AvatarStep.TRAIT) & F.value.in_(set(TRAITS))),
    )
    router.callback_query.register(
        process_type, in_flow, AvatarCallback.filter(F.step == AvatarStep.TYPE)
    )
    router.callback_query.register(
        process_go, in_flow, AvatarCallback.filter(F.step == AvatarStep.GO)
    )
    router.message.register(typed_trait, AvatarForm.trait, F.text, ~F.text.startswith("/"))
    return router
