"""/help: the bot's commands, Cosmic Coach's kinds among them (from their wording,
ui/cosmic/kinds/)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from ui.cosmic.kinds import WORDINGS


def help_text() -> str:
    kinds = [f"/{wording.command}: {_(wording.help)}" for wording in WORDINGS]
    others = _(
        "/gallery: your images\n"
        "/usage: your plan and this week's images\n"
        "/plan: plans and payments\n"
        "/studio: create a viral post (PRO)\n"
        "/balance: your PRO tokens\n"
        "/language: change the bot's language\n"
        "/cancel: leave the current step\n"
        "/help: this list"
    )
    return "\n".join([_("<b>Commands</b>"), *kinds, others])
