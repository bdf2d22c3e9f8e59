"""The Redis client every process shares: a bounded pool that gives idle connections back.

redis-py's default pool opens a connection per concurrent command and keeps each one for
the life of the process, so a burst (two hundred followers of event streams, say) leaves
that many sockets open on both sides long after it ended. This pool has a ceiling
(`max_connections`; a caller over it waits up to `wait_seconds` for one to come back,
then gets redis-py's ConnectionError) and `drop_idle` closes what has sat unused for
`idle_seconds`, which `IdleDropper` runs on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from redis import DriverInfo
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection

logger = logging.getLogger(__name__)
POOL_WAIT_SECONDS = 5.0
"""How long a command waits for a connection when the pool is at its ceiling."""
ANSWER_SECONDS = 10.0
"""How long a command waits for Redis's answer: a Redis that hangs (a network partition, a
frozen host) fails the command instead of holding it forever. Longer than any blocking
read here (the queue's XREADGROUP blocks 1 s, the news subscriber's reads 1 s)."""
CONNECT_SECONDS = 5.0
DRIVER = DriverInfo()
"""redis-py's name and version, which each new connection tells Redis (CLIENT SETINFO):
looked up once. Left to redis-py, every connection read the package's metadata again
(~1 ms of CPU), and a burst of presses opens tens of connections."""


class ShrinkingPool(BlockingConnectionPool):
    def __init__(self, *, idle_seconds: float = 60.0, **options: Any) -> None:
        super().__init__(**{"driver_info": DRIVER, **options})
        self.idle_seconds = idle_seconds
        self._released_at: dict[int, float] = {}

    async def release(self, connection: AbstractConnection) -> None:
        self._released_at[id(connection)] = time.monotonic()
        await super().release(connection)

    async def drop_idle(self) -> int:
        """Closes the connections unused for `idle_seconds`; how many it closed."""
        cutoff = time.monotonic() - self.idle_seconds
        # Chosen and taken out without an await in between: no caller can be handed one
        # of them meanwhile (the pool hands out only what is in _available_connections).
        stale = [
            c for c in self._available_connections if self._released_at.get(id(c), 0) < cutoff
        ]
        for connection in stale:
            self._available_connections.remove(connection)
            self._released_at.pop(id(connection), None)
        for connection in stale:
            with contextlib.suppress(Exception):
                await connection.disconnect()
        return len(stale)

    @property
    def open_count(self) -> int:
        """The pool's connections with an open socket, idle or in use."""
        held = [*self._available_connections, *self._in_use_connections]
        return sum(1 for connection in held if connection.is_connected)


def connect_redis(
    url: str,
    *,
    max_connections: int,
    idle_seconds: float,
    wait_seconds: float = POOL_WAIT_SECONDS,
    client_name: str | None = None,
) -> Redis:
    """A client on its own `ShrinkingPool`; its connections carry `client_name` (in
    Redis's CLIENT LIST) when one is given."""
    pool = ShrinkingPool.from_url(
        url,
        max_connections=max_connections,
        timeout=wait_seconds,
        idle_seconds=idle_seconds,
        client_name=client_name,
        socket_timeout=ANSWER_SECONDS,
        socket_connect_timeout=CONNECT_SECONDS,
    )
    return Redis.from_pool(pool)


def client_name(owner: str, purpose: str) -> str:
    """The name a process's connections carry in Redis's CLIENT LIST: whose, and for what
    (Redis refuses spaces and newlines in it)."""
    return re.sub(r"\s", "_", f"{owner}:{purpose}")


class IdleDropper:
    """Runs `drop_idle` on the pools every half of their shortest idle time, from `start`
    to `stop`."""

    def __init__(self, pools: Sequence[ShrinkingPool]) -> None:
        self._pools = pools
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self._pools:
            self._task = asyncio.create_task(self._run(), name="redis-idle-drop")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        period = max(min(p.idle_seconds for p in self._pools) / 2, 0.05)
        while True:
            await asyncio.sleep(period)
            for pool in self._pools:
                if dropped := await pool.drop_idle():
                    logger.debug("closed %d idle Redis connections", dropped)
