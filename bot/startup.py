"""The start-up checks of `python -m bot`: a wrong setting, a missing or malformed token,
an unreachable Telegram or one that refuses the token is one line on stderr, not a
traceback, with the token cut out of any URL it quotes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.config import TOKEN_SHAPE, Settings
from bot.logs import TOKEN_IN_URL

if TYPE_CHECKING:  # aiogram takes seconds to import: a settings mistake is told at once
    from aiogram.exceptions import AiogramError


STARTUP_TIMEOUT = 15
"""Seconds the start-up getMe may take before Telegram counts as unreachable."""


def settings_problem(error: ValidationError) -> str:
    """One line naming the first wrong setting (as an environment variable) and why."""
    problems = error.errors()
    first = problems[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    reason = first["msg"].removeprefix("Value error, ")
    line = f"error: {name} is invalid: {reason}"
    others = sorted({str(p["loc"][0]).upper() for p in problems[1:] if p["loc"]} - {name})
    if others:
        line += f" (also invalid: {', '.join(others)})"
    return line


def token_problem(settings: Settings) -> str | None:
    if settings.bot_token is None:
        return (
            "error: BOT_TOKEN is not set: put your bot's token from @BotFather in .env "
            "or the environment"
        )
    if not TOKEN_SHAPE.fullmatch(settings.bot_token.get_secret_value()):
        return (
            "error: BOT_TOKEN does not look like a token from @BotFather "
            "(digits, a colon, then 30 or more letters, digits, - or _)"
        )
    return None


def one_line(text: str) -> str:
    """`text` on one line, without the bot token that URLs in error messages carry."""
    return TOKEN_IN_URL.sub("/bot<token>/", " ".join(text.split()))


def telegram_problem(error: AiogramError, base: str) -> str:
    """One line for a Telegram that cannot be reached or does not accept the token."""
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    if isinstance(error, TelegramUnauthorizedError):
        return f"error: Telegram refused the token (401) at {base}: check BOT_TOKEN"
    if isinstance(error, TelegramNetworkError):
        reason = one_line(error.message).removeprefix("HTTP Client says - ")
        return (
            f"error: cannot reach Telegram at {base}: {reason}; "
            "check the network or TELEGRAM_API_BASE"
        )
    if isinstance(error, ClientDecodeError):
        return f"error: {base} does not answer like a Bot API server: check TELEGRAM_API_BASE"
    reason = one_line(error.message if isinstance(error, TelegramAPIError) else str(error))
    return f"error: Telegram at {base} answered: {reason}; check TELEGRAM_API_BASE and BOT_TOKEN"


async def check_telegram(settings: Settings) -> str | None:
    """Asks Telegram who the bot is before anything else is opened: a wrong token or an
    unreachable server is one clear line, not a traceback from deep inside polling."""
    from aiogram.exceptions import AiogramError

    from bot.telegram.session import build_bot

    bot = build_bot(settings)
    try:
        await bot.get_me(request_timeout=STARTUP_TIMEOUT)
    except AiogramError as error:
        return telegram_problem(error, settings.telegram_api_base)
    finally:
        await bot.session.close()
    return None


def webhook_problem(settings: Settings) -> str | None:
    missing = [
        name
        for name, value in (
            ("WEBHOOK_URL", settings.webhook_url),
            ("WEBHOOK_SECRET", settings.webhook_secret),
        )
        if value is None
    ]
    if missing:
        return (
            f"error: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
            "`web` needs the public https URL of this server and a secret of 1-256 "
            "characters A-Z, a-z, 0-9, _ or -"
        )
    return None


def database_problem(error: Exception) -> str:
    """The driver's own words on one line (a SQLAlchemy error adds a footer to them)."""
    return one_line(str(getattr(error, "orig", None) or error))


def webhook_warning(settings: Settings) -> str | None:
    """The one line `web` logs when WEBHOOK_URL is plain http (accepted only with a
    self-hosted Bot API server: bot/config.py)."""
    url = settings.webhook_url
    if url is None or not url.startswith("http://"):
        return None
    return (
        f"WEBHOOK_URL {url} is plain http: only the self-hosted Bot API server at "
        f"{settings.telegram_api_base} can deliver to it (Telegram's cloud needs https); "
        "updates travel unencrypted between them and the Mini App is off"
    )


class OneLinePollingLog(logging.Filter):
    """aiogram logs each failed poll as an error and then a "Sleep for … seconds" warning,
    the error's text possibly spanning lines (an HTML error page): keep one line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Sleep for "):
            return False
        if isinstance(record.msg, str) and record.msg.startswith("Failed to fetch updates"):
            text = one_line(record.getMessage())
            record.msg, record.args = f"{text[:500]} (retrying with backoff)", None
            record.exc_info = None
        return True


def worker_problem(settings: Settings) -> str | None:
    """`worker` reads the Redis queue: without REDIS_URL there is none to read."""
    if settings.redis_url:
        return None
    return (
        "error: REDIS_URL is not set: `python -m bot worker` takes its jobs from the Redis"
        " queue (without Redis, `run` and `web` run the jobs themselves)"
    )


async def schema_problem(settings: Settings) -> str | None:
    """A worker's start-up check of the database schema (it never migrates): None when the
    database is at the revision this release ships, or newer (a newer release migrated it
    in a rolling deploy: one warning line, and the worker goes on); else the one line why
    it must not start (behind: `python -m bot migrate` first)."""
    from services.infra.db import UNREACHABLE, Database

    options = {**settings.database_options, "pool_size": 1}
    database = Database(settings.database_url, **options, migrate=False)
    try:
        await database.connect()
    except UNREACHABLE as error:
        return f"error: cannot open the database: {database_problem(error)}"
    finally:
        await database.close()
    state = database.schema_state
    assert state is not None
    if state.ahead:
        logging.getLogger(__name__).warning(
            "the database schema is at revision %s, newer than this release knows (its "
            "newest is %s): a newer release migrated it; working on",
            state.current,
            state.head,
        )
    elif state.behind:
        return (
            f"error: the database schema is at revision {state.current or 'none (empty)'} "
            f"but this worker needs {state.head}: run `python -m bot migrate` first "
            "(workers never migrate)"
        )
    return None
