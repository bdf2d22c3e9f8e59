"""Per-update context: the user's account and the language to answer in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18nMiddleware

from bot.logs import UPDATE_ID, USER_ID
from services.core.account_repo import AccountRepo
from services.core.models import Account
from ui.common.language import pick_language


class AccountMiddleware(BaseMiddleware):
    """Loads (or creates) the account of whoever sent the update as `account`."""

    def __init__(self, accounts: AccountRepo) -> None:
        self._accounts = accounts

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and not user.is_bot:
            account, _ = await self._accounts.get_or_create(
                user.id, pick_language(user.language_code)
            )
            data["account"] = account
        return await handler(event, data)


class AccountI18nMiddleware(I18nMiddleware):
    """Answers in the language stored in the account (chosen with /language)."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        account: Account | None = data.get("account")
        if account is not None and account.language in self.i18n.available_locales:
            return account.language
        user: User | None = data.get("event_from_user")
        return pick_language(user.language_code if user else None, self.i18n.default_locale)


class InFlightMiddleware(BaseMiddleware):
    """Remembers the updates being handled, so shutdown can let them finish (a post in the
    middle of generation completes instead of being cut off). The outermost middleware: it
    also names the update and its sender for every log line written while handling it."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        user: User | None = data.get("event_from_user")
        update_token = UPDATE_ID.set(event.update_id if isinstance(event, Update) else None)
        user_token = USER_ID.set(user.id if user is not None else None)
        try:
            return await handler(event, data)
        finally:
            USER_ID.reset(user_token)
            UPDATE_ID.reset(update_token)
            if task is not None:
                self._tasks.discard(task)

    async def drain(self, timeout: float) -> None:
        """Waits up to `timeout` seconds for updates in flight, then cancels the rest (their
        held tokens are refunded at the next start)."""
        pending = {task for task in self._tasks if task is not asyncio.current_task()}
        if not pending:
            return
        _, still_running = await asyncio.wait(pending, timeout=timeout)
        for task in still_running:
            task.cancel()
        if still_running:
            await asyncio.wait(still_running, timeout=1)
