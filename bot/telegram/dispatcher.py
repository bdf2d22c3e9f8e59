"""The dispatcher every mode runs (polling, webhook, tests): conversation state in Redis
when there is one, in memory otherwise, and the middlewares in their order."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.memory import DisabledEventIsolation, MemoryStorage
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from redis.exceptions import LockError

from bot.telegram.middlewares import AccountI18nMiddleware, AccountMiddleware, InFlightMiddleware
from bot.telegram.throttling import FloodMiddleware
from services.core.account_repo import AccountRepo


class PersonIsolation(RedisEventIsolation):
    """aiogram's Redis event isolation (what `RedisStorage.create_isolation()` makes), except
    that an update handled for longer than the lock's 60 s (an admin's /batch or /broadcast)
    is not failed at its end because the lock expired meanwhile."""

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = self.redis.lock(name=self.key_builder.build(key, "lock"), **self.lock_kwargs)
        await lock.acquire()
        try:
            yield None
        finally:
            with contextlib.suppress(LockError):
                await lock.release()


def build_dispatcher(
    redis: Redis | None,
    accounts: AccountRepo,
    i18n: I18n,
    flood: FloodMiddleware,
    **handed_in: Any,
) -> tuple[Dispatcher, InFlightMiddleware]:
    """Updates in flight are counted first (to drain them on shutdown), then a flood of
    one person's updates is dropped (before any database work), then the sender's account
    is loaded, then its language picked. `handed_in` is what handlers get by name."""
    if redis is not None:
        # One update of a person at a time across every process. Its lock expires after
        # 60 s: no handler holds it long (a generation is a job of the queue).
        storage: BaseStorage = RedisStorage(redis)
        isolation: BaseEventIsolation = PersonIsolation(redis)
    else:
        storage, isolation = MemoryStorage(), DisabledEventIsolation()
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, **handed_in)
    in_flight = InFlightMiddleware()
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(flood)
    dispatcher.update.outer_middleware(AccountMiddleware(accounts))
    AccountI18nMiddleware(i18n).setup(dispatcher)
    return dispatcher, in_flight
