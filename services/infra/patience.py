"""Patience with a store that was away for a moment (Redis or PostgreSQL restarted, a
failover, the network): an idempotent operation that failed to reach it is tried again
after pauses that grow, long enough to span a restart of a few seconds, before its error is
let through."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

PAUSES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds between the tries (about 16 s in all)."""
UNREACHED: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
"""What a call raises when Redis could not be reached (never a command Redis refused)."""


async def patiently(
    operation: Callable[[], Awaitable[T]],
    what: str,
    *,
    errors: tuple[type[Exception], ...] = UNREACHED,
    pauses: tuple[float, ...] = PAUSES,
) -> T:
    """`operation()` (idempotent: running it twice does what once does), tried again while
    it raises one of `errors` (Redis unreachable; services/infra/db.py LOST: a database
    connection lost); raises its last error once the pauses ran out."""
    for pause in pauses:
        try:
            return await operation()
        except errors as error:
            logger.warning("%s failed, trying again in %.2g s: %r", what, pause, error)
            await asyncio.sleep(pause)
    return await operation()
