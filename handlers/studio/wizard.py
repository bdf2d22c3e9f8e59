"""The Viral Studio wizard: post type → audience → language → link → confirm."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.common.screens import show_screen
from handlers.common.states import StudioForm
from handlers.studio.draft import current_draft, go_to, open_studio
from services.core.models import Account
from services.studio.links import MAX_LINK_LENGTH, LinkProblem, check_referral_link
from services.studio.service import StudioService
from ui.common.callbacks import MenuAction, MenuCallback
from ui.common.texts import expired_text
from ui.studio.callbacks import (
    AudienceCallback,
    LinkCallback,
    LinkChoice,
    PostLanguageCallback,
    PostTypeCallback,
    StudioNav,
    StudioNavCallback,
)
from ui.studio.wizard import STEPS, screen


async def command_studio_handler(
    message: Message,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    webapp_url: str | None = None,
) -> None:
    await open_studio(message, state, account, studio, webapp_url)


async def menu_studio_handler(
    query: CallbackQuery,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    webapp_url: str | None = None,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await command_studio_handler(query.message, state, account, studio, webapp_url)


async def process_post_type(
    query: CallbackQuery,
    callback_data: PostTypeCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
) -> None:
    if await current_draft(query, state, callback_data.draft) is None:
        return
    data = await go_to("audience", state, post_type=callback_data.post_type.value)
    await show_step(query, screen("audience", data, account, studio))


async def process_audience(
    query: CallbackQuery,
    callback_data: AudienceCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
) -> None:
    if await current_draft(query, state, callback_data.draft, needs="post_type") is None:
        return
    data = await go_to("language", state, audience=callback_data.audience.value)
    await show_step(query, screen("language", data, account, studio))


async def process_post_language(
    query: CallbackQuery,
    callback_data: PostLanguageCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
) -> None:
    if await current_draft(query, state, callback_data.draft, needs="audience") is None:
        return
    if callback_data.language not in studio.languages:
        await query.answer(expired_text(), show_alert=True)
        return
    data = await go_to("link", state, language=callback_data.language)
    await show_step(query, screen("link", data, account, studio))


async def process_link_choice(
    query: CallbackQuery,
    callback_data: LinkCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
) -> None:
    if await current_draft(query, state, callback_data.draft, needs="language") is None:
        return
    use_saved = callback_data.choice is LinkChoice.SAVED and account.referral_link
    data = await go_to("confirm", state, link=account.referral_link if use_saved else None)
    await show_step(query, screen("confirm", data, account, studio))


async def process_link(
    message: Message, state: FSMContext, account: Account, studio: StudioService
) -> None:
    checked = check_referral_link(message.text or "")
    if isinstance(checked, LinkProblem):
        await message.answer(link_rule(checked))
        return
    await studio.save_referral_link(account.user_id, checked)
    data = await go_to("confirm", state, link=checked)
    text, markup = screen("confirm", data, account, studio)
    await message.answer(text, reply_markup=markup)


async def process_link_not_text(message: Message) -> None:
    await message.answer(link_rule(LinkProblem.MALFORMED))


async def process_back(
    query: CallbackQuery,
    callback_data: StudioNavCallback,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    webapp_url: str | None = None,
) -> None:
    data = await current_draft(query, state, callback_data.draft)
    if data is None or query.message is None:
        return
    previous = STEPS[max(STEPS.index(data.get("step", "type")) - 1, 0)]
    data = await go_to(previous, state)
    chat_type = query.message.chat.type
    await show_step(query, screen(previous, data, account, studio, webapp_url, chat_type))


async def process_cancel(
    query: CallbackQuery, callback_data: StudioNavCallback, state: FSMContext
) -> None:
    if await current_draft(query, state, callback_data.draft) is None:
        return
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Cancelled. Open /studio whenever you are ready."))


def link_rule(problem: LinkProblem) -> str:
    if problem is LinkProblem.TOO_LONG:
        return _("That link is longer than {limit} characters. Please send a shorter one.").format(
            limit=MAX_LINK_LENGTH
        )
    return _(
        "Please send a link that starts with http:// or https:// (for example "
        "https://example.com/ref/123), or pick “No link”."
    )


async def show_step(query: CallbackQuery, content: tuple[str, InlineKeyboardMarkup]) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, markup = content
        await show_screen(query.message, text, markup, edit=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_studio_handler, Command("studio"))
    router.callback_query.register(
        menu_studio_handler, MenuCallback.filter(F.action == MenuAction.STUDIO)
    )
    router.callback_query.register(process_post_type, PostTypeCallback.filter())
    router.callback_query.register(process_audience, AudienceCallback.filter())
    router.callback_query.register(process_post_language, PostLanguageCallback.filter())
    router.callback_query.register(process_link_choice, LinkCallback.filter())
    router.message.register(process_link, StudioForm.link, F.text)
    router.message.register(process_link_not_text, StudioForm.link)
    router.callback_query.register(
        process_back, StudioNavCallback.filter(F.action == StudioNav.BACK)
    )
    router.callback_query.register(
        process_cancel, StudioNavCallback.filter(F.action == StudioNav.CANCEL)
    )
    return router
