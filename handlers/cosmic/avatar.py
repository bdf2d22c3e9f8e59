"""The zodiac avatar (/avatar): sun → moon → rising sign (each may be "I don't know") →
up to three traits, chosen or typed → an HD sigil. Universe plan only."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import answered, show_screen
from handlers.common.states import AvatarForm
from handlers.cosmic.painting import make_art, tap_key
from services.core.categories import Category
from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.astro import SIGNS_BY_KEY
from services.cosmic.kinds import AvatarParams
from services.cosmic.service import CosmicService
from services.cosmic.tiers import POLICIES
from ui.cosmic.kinds.avatar import (
    UNKNOWN,
    WORDING,
    AvatarMakeCallback,
    AvatarMoonCallback,
    AvatarRestartCallback,
    AvatarRisingCallback,
    AvatarSunCallback,
    AvatarTraitCallback,
    AvatarTypeCallback,
    avatar_signs,
    avatar_traits,
)
from ui.cosmic.texts import caption, upgrade_text
from ui.cosmic.words import TRAITS, trait_label

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
    await message.answer(_("☉ Your sun sign:"), reply_markup=avatar_signs(AvatarSunCallback))


async def process_restart(query: CallbackQuery, state: FSMContext) -> None:
    if message := await answered(query):
        await state.set_data({"traits": (await state.get_data()).get("traits", [])})
        markup = avatar_signs(AvatarSunCallback)
        await show_screen(message, _("☉ Your sun sign:"), markup, edit=True)


async def process_sun(
    query: CallbackQuery, callback_data: AvatarSunCallback, state: FSMContext
) -> None:
    if message := await answered(query):
        await state.update_data(sun=callback_data.sign)
        markup = avatar_signs(AvatarMoonCallback)
        await show_screen(message, _("☽ Your moon sign:"), markup, edit=True)


async def process_moon(
    query: CallbackQuery, callback_data: AvatarMoonCallback, state: FSMContext
) -> None:
    if message := await answered(query):
        await state.update_data(moon=await known_or_sun(state, callback_data.sign))
        markup = avatar_signs(AvatarRisingCallback)
        await show_screen(message, _("↑ Your rising sign:"), markup, edit=True)


async def process_rising(
    query: CallbackQuery, callback_data: AvatarRisingCallback, state: FSMContext
) -> None:
    if message := await answered(query):
        data = await state.update_data(rising=await known_or_sun(state, callback_data.sign))
        await show_traits(message, data.get("traits", []), edit=True)


async def known_or_sun(state: FSMContext, sign: str) -> str | None:
    """The sign chosen, or the sun sign for "I don't know"."""
    return (await state.get_data()).get("sun") if sign == UNKNOWN else sign


async def show_traits(message: Message, traits: list[str], *, edit: bool) -> None:
    text = _("Pick up to {count} traits, or type your own:").format(count=MAX_TRAITS)
    await show_screen(message, text, avatar_traits(traits), edit=edit)


async def process_trait(
    query: CallbackQuery, callback_data: AvatarTraitCallback, state: FSMContext
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    traits: list[str] = (await state.get_data()).get("traits", [])
    if callback_data.trait in traits:
        traits.remove(callback_data.trait)
    elif len(traits) >= MAX_TRAITS:
        await query.answer(_("Up to {count} traits.").format(count=MAX_TRAITS), show_alert=True)
        return
    else:
        traits.append(callback_data.trait)
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
    query: CallbackQuery,
    state: FSMContext,
    bot: Bot,
    account: Account,
    cosmic: CosmicService,
    jobs: JobQueue,
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
        jobs,
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_avatar, Command(WORDING.command))
    signs = SIGNS_BY_KEY.keys()
    in_flow = AvatarForm.choosing
    register = router.callback_query.register
    register(process_restart, in_flow, AvatarRestartCallback.filter())
    register(process_sun, in_flow, AvatarSunCallback.filter(F.sign.in_(signs)))
    register(process_moon, in_flow, AvatarMoonCallback.filter(F.sign.in_(signs | {UNKNOWN})))
    register(process_rising, in_flow, AvatarRisingCallback.filter(F.sign.in_(signs | {UNKNOWN})))
    register(process_trait, in_flow, AvatarTraitCallback.filter(F.trait.in_(set(TRAITS))))
    register(process_type, in_flow, AvatarTypeCallback.filter())
    register(process_go, in_flow, AvatarMakeCallback.filter())
    router.message.register(typed_trait, AvatarForm.trait, F.text, ~F.text.startswith("/"))
    return router
