"""The Viral Studio wizard's screens: the text and keyboard of each step, who may open it,
and the confirm screen offered again after a failed post (from the chat or from its job)."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.core.models import Account
from services.studio.drafts import draft_from
from services.studio.links import MAX_LINK_LENGTH
from services.studio.service import StudioService, new_draft_key
from ui.common.keyboards import in_app
from ui.common.texts import draft_summary, insufficient_text, not_pro_text
from ui.studio import keyboards

STEPS = ("type", "audience", "language", "link", "confirm")


def screen(
    step: str,
    data: dict[str, Any],
    account: Account,
    studio: StudioService,
    app_url: str | None = None,
    chat_type: str = "private",
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of one wizard step (the first one also opens the Mini App,
    when there is one)."""
    draft = data["draft"]
    header = _("<b>Viral Studio</b> · step {n} of 5").format(n=STEPS.index(step) + 1)
    if step == "type":
        prompt = _("Pick a post type:")
        markup = in_app(keyboards.post_types(draft), app_url, "studio", chat_type)
        return f"{header}\n{prompt}", markup
    if step == "audience":
        prompt = _("Who is it for?")
        return f"{header}\n{prompt}", keyboards.audiences(draft)
    if step == "language":
        prompt = _("Which language should the post be written in?")
        languages = keyboards.own_language_first(studio.languages, account.language)
        return f"{header}\n{prompt}", keyboards.post_languages(draft, languages)
    if step == "link":
        prompt = _(
            "Send your referral link (http:// or https://, up to {limit} characters), "
            "or pick an option below."
        ).format(limit=MAX_LINK_LENGTH)
        return f"{header}\n{prompt}", keyboards.link_choices(draft, account.referral_link)
    summary = draft_summary(draft_from(data))
    cost = ngettext(
        "Cost: <b>{cost} token</b> · your balance: {balance}",
        "Cost: <b>{cost} tokens</b> · your balance: {balance}",
        studio.cost,
    ).format(cost=studio.cost, balance=account.balance)
    return f"{header}\n{summary}\n\n{cost}", keyboards.confirm(draft, studio.cost)


def eligibility_problem(account: Account, studio: StudioService) -> str | None:
    if not account.is_pro:
        return not_pro_text(account.balance)
    if account.balance < studio.cost:
        return insufficient_text(account.balance, studio.cost)
    return None


async def offer_retry(
    message: Message, state: FSMContext, studio: StudioService, user_id: int
) -> None:
    """Shows the confirm screen again under a fresh key, so 'Generate' can be pressed anew."""
    data = await state.update_data(draft=new_draft_key())
    account = await studio.account(user_id)
    if account is not None:
        text, markup = screen("confirm", data, account, studio)
        await message.answer(text, reply_markup=markup)
