"""The wording every picture edit shares (a studio post's, a Cosmic Coach image's): what the
local renderer changed and what it could not do. The person's words are escaped."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from services.generation.editing import Adjustment


def adjustment_label(adjustment: Adjustment) -> str:
    labels = {
        Adjustment.PURPLER: _("more purple"),
        Adjustment.BLUER: _("bluer"),
        Adjustment.GREENER: _("greener"),
        Adjustment.REDDER: _("redder"),
        Adjustment.PINKER: _("pinker"),
        Adjustment.GOLDER: _("more golden"),
        Adjustment.WARMER: _("warmer"),
        Adjustment.COOLER: _("cooler"),
        Adjustment.MORE_STARS: _("more stars"),
        Adjustment.FEWER_STARS: _("fewer stars"),
        Adjustment.BRIGHTER: _("brighter"),
        Adjustment.DARKER: _("darker"),
        Adjustment.CALMER: _("calmer"),
        Adjustment.BOLDER: _("bolder"),
    }
    return labels[adjustment]


def edit_request_empty() -> str:
    return _("Please write in words what to change in the picture.")


def editing_text(words: str) -> str:
    return _("✏️ Editing the picture: “{request}”…").format(request=escape(words))


def what_was_done(
    applied: tuple[Adjustment, ...] | None, not_done: tuple[str, ...], words: str
) -> list[str]:
    """The lines that say how a done edit went: a model took the whole request (`applied`
    is None), or the local renderer's changes and what it could not do."""
    if applied is None:
        return [_("✅ Edited as you asked: “{request}”.").format(request=escape(words))]
    changed = ", ".join(adjustment_label(a) for a in applied)
    lines = [_("✅ I changed: {changes}.").format(changes=changed)]
    if not_done:
        lines.append(_("I could not: {not_done}.").format(not_done=listed(not_done)))
    return lines


def listed(parts: tuple[str, ...]) -> str:
    """Parts of the person's request, escaped, in one line."""
    return ", ".join(escape(part) for part in parts)
