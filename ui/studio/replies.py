"""How a post's end is told on the message that asked for it (by the handler when nothing
was started, by the job when the post was made or failed)."""

from __future__ import annotations

from aiogram.types import Message
from aiogram.utils.i18n import ngettext

from services.studio.service import PostOutcome, PostStatus
from ui.studio.texts import outcome_problem


async def report(outcome: PostOutcome, message: Message, cost: int) -> None:
    if outcome.status is PostStatus.DONE:
        done = ngettext(
            "✅ Done! {cost} token spent, {balance} left.",
            "✅ Done! {cost} tokens spent, {balance} left.",
            cost,
        )
        await message.edit_text(done.format(cost=cost, balance=outcome.balance))
    elif outcome.status in (PostStatus.FAILED, PostStatus.STOPPED):
        await message.edit_text(outcome_problem(outcome, cost))
    else:  # nothing was started: the screen the user tapped stays as it is
        await message.answer(outcome_problem(outcome, cost))
