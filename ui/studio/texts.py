"""Viral Studio wording shared by the chat, the jobs and the web: why a post was not made."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.studio.service import PostOutcome, PostStatus
from ui.common.texts import failure_text, insufficient_text, not_pro_text


def variants_text(count: int, spent: int, given_back: int, balance: int) -> str:
    text = ngettext(
        "🖼 {count} more pictures: {spent} token spent, {balance} left. "
        "Pick one to make it the post's picture.",
        "🖼 {count} more pictures: {spent} tokens spent, {balance} left. "
        "Pick one to make it the post's picture.",
        spent,
    ).format(count=count, spent=spent, balance=balance)
    if given_back:
        back = ngettext(
            "Some could not be painted: {tokens} token is back.",
            "Some could not be painted: {tokens} tokens are back.",
            given_back,
        )
        text += "\n" + back.format(tokens=given_back)
    return text


def outcome_problem(outcome: PostOutcome, cost: int) -> str:
    if outcome.status is PostStatus.NOT_PRO:
        return not_pro_text(outcome.balance)
    if outcome.status is PostStatus.INSUFFICIENT:
        return insufficient_text(outcome.balance, cost)
    if outcome.status is PostStatus.BUSY:
        return _("⏳ Still working on your post — it will arrive in a moment.")
    if outcome.status is PostStatus.DUPLICATE:
        return _("This post has already been made. Use “New post” for another one.")
    if outcome.status is PostStatus.STOPPED:
        return ngettext(
            "⏹ Stopped. Your {cost} token is back. Balance: {balance}.",
            "⏹ Stopped. Your {cost} tokens are back. Balance: {balance}.",
            cost,
        ).format(cost=cost, balance=outcome.balance)
    return failure_text(outcome.failure, cost, outcome.balance)
