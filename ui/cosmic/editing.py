"""The wording of ✏️ Edit under a Cosmic Coach image: the question (with the weekly uses
an edit takes one of), the edited photo's caption and how an edit ended. The person's
words are escaped (ui/common/editing.py)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from services.cosmic.editing import ArtEditOutcome, ArtEditStatus
from services.cosmic.outcomes import UsageStatus
from services.generation.editing import MAX_REQUEST_LENGTH
from ui.common.editing import listed, what_was_done
from ui.common.texts import expired_text
from ui.cosmic.texts import failure_reason, limit_text, upgrade_text

CAPTION_LIMIT = 1024
"""Telegram's longest photo caption."""


def art_edit_question(usage: UsageStatus) -> str:
    ask = _(
        "✏️ What should I change in this picture? Write it in a few words (at most {limit} "
        "characters), for example: “more purple, add more stars”."
    ).format(limit=MAX_REQUEST_LENGTH)
    return f"{ask}\n{_uses_line(usage.remaining)}"


def _uses_line(remaining: int | None) -> str:
    if remaining is None:
        return _("An edit is a new image: your plan has no weekly limit.")
    return _("An edit takes one of this week's images: {remaining} left.").format(
        remaining=remaining
    )


def art_edit_cancelled() -> str:
    return _("Cancelled: the picture stays as it was.")


def edited_caption(caption: str) -> str:
    """The original's caption with a line saying the picture was edited (once, however
    often it is edited; left out when the caption would be too long)."""
    line = _("✏️ Edited at your request.")
    if caption.endswith(line):
        return caption
    with_line = f"{caption}\n\n{line}" if caption else line
    return with_line if len(with_line) <= CAPTION_LIMIT else caption


def art_edit_result_text(outcome: ArtEditOutcome, words: str) -> str:
    """How an edit ended, for the "editing…" message (or in its place when nothing started)."""
    status = outcome.status
    if status is ArtEditStatus.DONE:
        lines = what_was_done(outcome.applied, outcome.not_done, words)
        if outcome.remaining is not None:
            left = _("This week's images left: {remaining}.")
            lines.append(left.format(remaining=outcome.remaining))
        return "\n".join(lines)
    if status is ArtEditStatus.NOTHING_DONE:
        return _(
            "🤷 I could not do any of it: {not_done}.\n"
            "I can change the colours (more purple, bluer, warmer…), add or remove stars, "
            "make the picture brighter or darker, calmer or bolder.\n"
            "Your weekly use is back."
        ).format(not_done=listed(outcome.not_done))
    if status is ArtEditStatus.LIMIT and outcome.resets_at is not None:
        return limit_text(outcome.resets_at)
    if status is ArtEditStatus.UPGRADE and outcome.category is not None:
        return upgrade_text(outcome.category)
    if status is ArtEditStatus.BUSY:
        return _("⏳ Still painting your last image — one moment.")
    if status is ArtEditStatus.FAILED:
        return _(
            "❌ Sorry, the picture could not be edited. {reason} Your weekly use was given back."
        ).format(reason=failure_reason(outcome.failure))
    return expired_text()
