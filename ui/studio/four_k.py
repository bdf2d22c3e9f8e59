"""The wording of a post's 4K picture: the question when it costs tokens, the answer to the
press, the document's caption and what is said when it could not be made."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from services.studio.captions import cut_at_word
from services.studio.four_k import (
    FOUR_K_SIZE,
    FourKFailure,
    FourKOutcome,
    FourKPicture,
    FourKStatus,
)

TITLE_LIMIT = 300
"""Characters of the post's title in the caption (well inside Telegram's 1024)."""


def four_k_question(cost: int, balance: int) -> str:
    return _(
        "Make this post's picture in 4K ({size})? Price in tokens: {cost} · your balance: "
        "{balance}."
    ).format(size=_size(), cost=cost, balance=balance)


def four_k_declined() -> str:
    return _("Okay, no 4K picture this time.")


def order_answer(outcome: FourKOutcome) -> str:
    """The answer to the press (at most 200 characters, Telegram's limit)."""
    if outcome.status is FourKStatus.QUEUED:
        return _("⏳ Making your 4K picture… it arrives as a file in a moment.")
    if outcome.status is FourKStatus.BUSY:
        return _("⏳ The 4K picture of this post is being made already.")
    if outcome.status is FourKStatus.DUPLICATE:
        return _("This 4K picture was ordered already.")
    if outcome.status is FourKStatus.INSUFFICIENT:
        return _(
            "Not enough tokens for a 4K picture: it costs {cost}, your balance is {balance}."
        ).format(cost=outcome.cost, balance=outcome.balance)
    return _("Something went wrong on our side. Please try again in a moment.")


def four_k_caption(picture: FourKPicture) -> str:
    title = escape(cut_at_word(picture.title, TITLE_LIMIT))
    lines = [f"🖼 <b>{title}</b>"] if title else []
    lines.append(_("4K · {size} · PNG").format(size=_size()))
    if picture.enlarged:
        lines.append(_("Upscaled from the original picture (Lanczos resampling)."))
    if picture.cost and picture.balance is not None:
        lines.append(spent_text(picture.cost, picture.balance))
    return "\n".join(lines)


def spent_text(cost: int, balance: int) -> str:
    return _("Tokens spent: {cost} · balance: {balance}.").format(cost=cost, balance=balance)


def four_k_failure(outcome: FourKOutcome) -> str:
    reason = {
        FourKFailure.TIMEOUT: _("The generators took too long to answer."),
        FourKFailure.GONE: _("The post's picture is no longer stored."),
    }.get(outcome.failure, _("The generators are unavailable right now."))  # type: ignore[arg-type]
    text = _("❌ Sorry, the 4K picture could not be made. {reason}").format(reason=reason)
    if outcome.cost and outcome.balance is not None:
        back = _("Tokens returned: {cost} · balance: {balance}.")
        text = f"{text}\n{back.format(cost=outcome.cost, balance=outcome.balance)}"
    return text


def _size() -> str:
    width, height = FOUR_K_SIZE
    return f"{width}×{height}"
