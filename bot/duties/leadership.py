"""The duties of the leader (the scheduler and the sweeper) run in one process at a time:
whichever holds the leader lease (services/infra/leader.py). Every third of the lease this
process renews it, or tries to take it; it starts the duties when it becomes the leader and
stops them when it loses the lease. A leader that cannot reach Redis steps down before its
lease can have expired, so two processes never lead at once; when the leader dies, another
takes over within the lease time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from redis.exceptions import RedisError

from bot.metrics import IS_LEADER, LEADER_CHANGES
from services.infra.leader import LeaderLease

logger = logging.getLogger(__name__)


Mandate = Callable[[], Awaitable[bool]]
"""Asked by a duty before it starts a piece of work: does this process still lead?"""


async def always() -> bool:
    """The mandate of a duty no leadership runs (fired by hand: tests, one-off calls)."""
    return True


class Duty(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Leadership:
    def __init__(
        self, lease: LeaderLease, duties: Sequence[Duty], *, every: float | None = None
    ) -> None:
        self._lease = lease
        self._duties = list(duties)
        self._every = every if every is not None else lease.ttl / 3
        self._valid_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._changes: set[asyncio.Future[None]] = set()
        self._changing = asyncio.Lock()
        self.leading = False

    async def start(self) -> None:
        """Tries for the lease now (if it is ours, the duties have started when this
        returns), then keeps renewing or trying in the background until stop()."""
        await self.step(wait=True)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stops the duties and gives the lease back, so another process takes over now
        rather than when the lease runs out."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._changes:
            await asyncio.gather(*self._changes, return_exceptions=True)
        if self.leading:
            self._become(False, "stopping")
            await self._apply(False)
            try:
                await self._lease.release()
            except (RedisError, OSError) as error:
                logger.warning("could not release the leader lease (it expires): %s", error)

    async def confirm(self) -> bool:
        """Whether this process still leads, asked of the lease now: a duty asks before it
        starts each piece of work, so a leader whose lease was taken (it stalled past it)
        starts nothing more and steps down at once, not at its next renewal."""
        if self.leading:
            await self.step()  # a lease found lost stops the duties (in the background)
        return self.leading

    async def step(self, *, wait: bool = False) -> None:
        """One renewal (or attempt to lead), and the duties started or stopped to match: in
        the background unless `wait` (a first sweep must not hold up the next renewal)."""
        asked = time.monotonic()
        try:
            # Bounded: a Redis that stops answering without closing the connection must
            # not keep a stale leader running its duties.
            held = await asyncio.wait_for(
                self._lease.renew() if self.leading else self._lease.acquire(), self._every
            )
        except (RedisError, OSError, TimeoutError) as error:
            # Still ours until it can have expired: step down before the next check would
            # come too late.
            held = self.leading and asked + self._every < self._valid_until
            logger.warning("leader lease unreachable (%s); leading: %s", error, held)
        else:
            if held:
                self._valid_until = asked + self._lease.ttl
        if held == self.leading:
            return
        self._become(held, "lost the leader lease")
        change = asyncio.ensure_future(self._apply(held))
        self._changes.add(change)
        change.add_done_callback(self._changes.discard)
        if wait:
            await change

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.step()
            except Exception:
                logger.exception("leadership step failed; trying again in %.1f s", self._every)

    def _become(self, leading: bool, why: str) -> None:
        self.leading = leading
        IS_LEADER.set(int(leading))
        if leading:
            LEADER_CHANGES.inc()
            logger.info("this process is the leader now: it runs the scheduler and the sweeper")
        else:
            logger.info("this process is no longer the leader (%s)", why)

    async def _apply(self, leading: bool) -> None:
        """Starts or stops the duties, one change at a time, in order."""
        async with self._changing:
            for duty in self._duties if leading else reversed(self._duties):
                try:
                    await (duty.start() if leading else duty.stop())
                except Exception:
                    logger.exception(
                        "%s %s failed", "starting" if leading else "stopping", type(duty).__name__
                    )
