"""What the dispatcher does as it starts: take part in the leader election (the leader
sweeps what a dead run left and runs the scheduler), publish the command menu in every UI
language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault, MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import I18n

from services.studio.catalog import UI_LANGUAGES
from ui.cosmic.kinds import WORDINGS


class Leading(Protocol):
    async def start(self) -> None: ...


def on_startup(
    leadership: Leading, i18n: I18n, webapp_url: str | None
) -> Callable[[Bot], Awaitable[None]]:
    async def start(bot: Bot) -> None:
        # The sweeper (in every mode) and the scheduler (when on) run in the leader only:
        # whichever process holds the leader lease (without Redis, this one).
        await leadership.start()
        await register_commands(bot, i18n)
        if webapp_url is not None:  # Mini Apps need HTTPS: the webhook's URL
            await set_menu_button(bot, i18n, webapp_url)

    return start


async def set_menu_button(bot: Bot, i18n: I18n, app_url: str) -> None:
    """The chat's menu button opens the Mini App (served by `bot web` at /app/)."""
    text = i18n.gettext(_noop("Open app"), locale=i18n.default_locale)
    button = MenuButtonWebApp(text=text, web_app=WebAppInfo(url=app_url))
    await bot.set_chat_menu_button(menu_button=button)


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """The command menu in every UI language (English is also the default)."""
    for locale in UI_LANGUAGES:
        commands = [
            BotCommand(command=name, description=i18n.gettext(text, locale=locale))
            for name, text in COMMANDS
        ]
        language = None if locale == "en" else locale
        await bot.set_my_commands(commands, BotCommandScopeDefault(), language_code=language)


def _noop(text: str) -> str:
    """Marks a string for extraction; it is translated later, per locale."""
    return text


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", _noop("Main menu")),
    *((wording.command, wording.menu) for wording in WORDINGS),  # Cosmic Coach's kinds
    ("gallery", _noop("Your images")),
    ("usage", _noop("Your plan and this week's images")),
    ("plan", _noop("Plans and payments")),
    ("subscribe", _noop("Daily image of your sign")),
    ("studio", _noop("Create a viral post (PRO)")),
    ("balance", _noop("Your PRO tokens")),
    ("language", _noop("Change the language")),
    ("cancel", _noop("Leave the current step")),
    ("help", _noop("All commands")),
)
