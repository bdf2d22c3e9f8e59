"""The wording of "Edit picture": the question, the "editing…" message and how an edit
ended (what was changed, what could not be, the tokens). The person's words are escaped."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from services.generation.base import FailureKind
from services.generation.editing import MAX_REQUEST_LENGTH
from services.studio.editing import EditOutcome, EditStatus
from ui.common.editing import listed, what_was_done
from ui.common.texts import expired_text, not_pro_text


def edit_question(cost: int, balance: int) -> str:
    return ngettext(
        "✏️ What should I change in the picture? Write it in a few words (at most {limit} "
        "characters), for example: “more purple, fewer stars”.\n"
        "Cost: {cost} token · your balance: {balance}.",
        "✏️ What should I change in the picture? Write it in a few words (at most {limit} "
        "characters), for example: “more purple, fewer stars”.\n"
        "Cost: {cost} tokens · your balance: {balance}.",
        cost,
    ).format(limit=MAX_REQUEST_LENGTH, cost=cost, balance=balance)


def edit_result_text(outcome: EditOutcome, words: str, cost: int) -> str:
    """How an edit ended, for the "editing…" message (or in its place when nothing started)."""
    if outcome.status is EditStatus.DONE:
        return _done(outcome, words, cost)
    if outcome.status is EditStatus.NOTHING_DONE:
        return _(
            "🤷 I could not do any of it: {not_done}.\n"
            "I can change the colours (more purple, bluer, warmer…), add or remove stars, "
            "make the picture brighter or darker, calmer or bolder.\n"
            "Your tokens are back ({cost}). Balance: {balance}."
        ).format(not_done=listed(outcome.not_done), cost=cost, balance=outcome.balance)
    if outcome.status is EditStatus.NOT_PRO:
        return not_pro_text(outcome.balance)
    if outcome.status is EditStatus.INSUFFICIENT:
        return ngettext(
            "An edit costs {cost} token and you have {balance}.",
            "An edit costs {cost} tokens and you have {balance}.",
            cost,
        ).format(cost=cost, balance=outcome.balance)
    if outcome.status is EditStatus.BUSY:
        return _("⏳ Still working on your last request — try again once it has arrived.")
    if outcome.status in (EditStatus.GONE, EditStatus.DUPLICATE):
        return expired_text()
    return _(
        "❌ Sorry, the picture could not be edited. {reason}\n"
        "Your tokens are back ({cost}). Balance: {balance}."
    ).format(reason=_reason(outcome.failure), cost=cost, balance=outcome.balance)


def _done(outcome: EditOutcome, words: str, cost: int) -> str:
    lines = what_was_done(outcome.applied, outcome.not_done, words)
    spent = _("Tokens spent: {cost}. Balance: {balance}.")
    lines.append(spent.format(cost=cost, balance=outcome.balance))
    return "\n".join(lines)


def _reason(failure: FailureKind | None) -> str:
    reasons = {
        FailureKind.TIMEOUT: _("The generators took too long to answer."),
        FailureKind.SAFETY: _("The image or text was blocked by the provider's safety rules."),
        FailureKind.INVALID: _("The generator returned something we could not use."),
        FailureKind.RATE_LIMITED: _("The generators are overloaded right now."),
    }
    return reasons.get(failure, _("The generators are unavailable right now."))  # type: ignore[arg-type]
