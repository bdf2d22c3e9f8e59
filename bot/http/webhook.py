"""Updates that Telegram POSTs to the webhook: authenticated by the secret token, each
update id handled once, handled in the background so Telegram has its answer at once.

Modelled on aiogram's own `SimpleRequestHandler` (aiogram/webhook/aiohttp_server.py): the
secret compared with `secrets.compare_digest`, `handle_in_background` with the tasks kept
in a set, a `TelegramMethod` returned by a handler sent with `silent_call_request`."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError

from bot.metrics import HANDLER_SECONDS, UPDATE_ERRORS, UPDATES

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.app import App

logger = logging.getLogger(__name__)

SEEN_TTL = 3600
"""Seconds an update id is remembered in Redis: Telegram redelivers an update it got no
answer for within minutes, not hours."""
SEEN_IN_PROCESS = 10_000
"""Update ids one process remembers without Redis (the most recent ones)."""


class SeenUpdates(Protocol):
    async def first_time(self, update_id: int) -> bool:
        """True the first time `update_id` is offered, False for a redelivery."""

    async def forget(self, update_id: int) -> None:
        """Undoes a mark whose answer was lost, so Telegram's redelivery is handled."""


class MemorySeenUpdates:
    """The last `size` update ids, in this process (one `web` process, no Redis)."""

    def __init__(self, size: int = SEEN_IN_PROCESS) -> None:
        self._ids: set[int] = set()
        self._order: deque[int] = deque()
        self._size = size

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True

    async def forget(self, update_id: int) -> None:
        self._ids.discard(update_id)


class RedisSeenUpdates:
    """Update ids seen by any `web` process sharing the Redis (`SET NX EX`: one wins)."""

    def __init__(self, redis: Redis, bot_id: int, ttl: int = SEEN_TTL) -> None:
        self._redis = redis
        self._prefix = f"webhook:update:{bot_id}:"
        self._ttl = ttl

    async def first_time(self, update_id: int) -> bool:
        return bool(await self._redis.set(f"{self._prefix}{update_id}", 1, nx=True, ex=self._ttl))

    async def forget(self, update_id: int) -> None:
        await self._redis.delete(f"{self._prefix}{update_id}")


class WebhookReceiver:
    def __init__(self, app: App, secret: str, seen: SeenUpdates) -> None:
        self.app = app
        self.seen = seen
        self._secret = secret.encode()
        self._tasks: set[asyncio.Task[None]] = set()

    def authentic(self, secret_token: str | None) -> bool:
        """The request carries our secret (constant time: its length and content are not
        told by how long the comparison takes)."""
        return secrets.compare_digest((secret_token or "").encode(), self._secret)

    def parse(self, body: Any) -> Update:
        """The Update in a request body (pydantic's ValidationError, a ValueError, if not)."""
        return Update.model_validate(body, context={"bot": self.app.bot})

    def feed(self, update: Update) -> None:
        """Handles `update` in the background; the task is kept until it ends."""
        task = asyncio.create_task(self._handle(update), name=f"update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        kind = update_type(update)
        UPDATES.labels(kind).inc()
        started = time.perf_counter()
        dispatcher, bot = self.app.dispatcher, self.app.bot
        try:  # the same workflow data as long polling hands its handlers
            result = await dispatcher.feed_update(bot, update, dispatcher=dispatcher, bots=[bot])
            if isinstance(result, TelegramMethod):
                await dispatcher.silent_call_request(bot=bot, result=result)
        except Exception:
            UPDATE_ERRORS.labels(kind).inc()
            logger.exception("update %s (%s) failed", update.update_id, kind)
        finally:
            HANDLER_SECONDS.labels(kind).observe(time.perf_counter() - started)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float) -> None:
        """Lets the updates being handled finish (up to `grace` seconds), through the app's
        InFlightMiddleware, which also cancels what is still running after that."""
        await asyncio.sleep(0)  # a task created just now enters the in-flight set first
        await self.app.in_flight.drain(grace)
        leftover = set(self._tasks)  # none unless a task had not reached the middleware
        for task in leftover:
            task.cancel()
        if leftover:
            await asyncio.wait(leftover, timeout=1)


def update_type(update: Update) -> str:
    try:
        return update.event_type
    except UpdateTypeLookupError:  # a type newer than this aiogram knows
        return "unknown"
