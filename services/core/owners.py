"""Owners: every process that takes work is an incarnation (its id, role, host, process id
and start) that renews a heartbeat every HEARTBEAT_SECONDS in the database until it stops.
Work (a token hold, a weekly use, a job of the in-process queue) records the incarnation
that owns it; an owner whose last beat is older than OWNER_TIMEOUT, or that stopped, or
whose process is gone from this host, is dead, and its work is orphaned whatever its age.
A slow run is never taken for dead while its process beats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection

from services.core.incarnation_repo import Incarnation, IncarnationRepo
from services.infra.db import UNREACHABLE

logger = logging.getLogger(__name__)

FORGET_AFTER = 7 * 86_400.0
"""Incarnations silent this long are dropped from the table at the next start."""

BeatHook = Callable[[], Awaitable[object]]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return False
    return True


class Owners:
    """This process's incarnation, its heartbeat, and who else is alive."""

    def __init__(
        self,
        repo: IncarnationRepo,
        role: str,
        *,
        timeout: float,
        interval: float,
        owns_queued_work: bool = True,
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self._repo = repo
        self.timeout = timeout
        """OWNER_TIMEOUT: an owner whose last beat is older is dead."""
        self.interval = interval
        host = host or socket.gethostname()
        pid = os.getpid() if pid is None else pid
        now = time.time()
        # The same shape as a stream consumer's name: host, process, a few random bytes.
        self.me = Incarnation(f"{host}:{pid}:{secrets.token_hex(4)}", role, host, pid, now, now)
        self._owns_queued_work = owns_queued_work
        self._hooks: list[BeatHook] = []
        self._beating: asyncio.Task[None] | None = None
        self.registered = False

    @property
    def id(self) -> str:
        return self.me.id

    @property
    def holder(self) -> str | None:
        """Who owns a hold made now: this incarnation when it also runs the job (the
        in-process queue); None when the job goes to a shared queue (Redis), whose worker
        becomes the owner when it starts it."""
        return self.id if self._owns_queued_work else None

    def on_beat(self, hook: BeatHook) -> None:
        """`hook` runs after each beat (an error in it is logged, the beats go on)."""
        self._hooks.append(hook)

    async def start(self) -> None:
        """Registers this incarnation, then beats in the background until stop()."""
        if self._beating is not None:
            return
        now = time.time()
        await self._repo.forget_before(now - FORGET_AFTER)
        await self._repo.register(self.me)
        self.registered = True
        logger.info("incarnation %s (%s) registered", self.id, self.me.role)
        self._beating = asyncio.create_task(self._beat_forever())

    async def stop(self) -> None:
        """Stops beating and writes down the clean stop: what this process still owns is
        orphaned at once (another process, or the next start, takes it over)."""
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
            self._beating = None
        if self.registered:
            try:
                await self._repo.stop(self.id, time.time())
            except Exception as error:  # noqa: BLE001 - closing goes on: the beats lapse instead
                logger.warning("could not mark incarnation %s stopped: %s", self.id, error)
            self.registered = False

    async def beat(self) -> None:
        """One heartbeat, then the hooks."""
        if not await self._repo.beat(self.id, time.time()):
            logger.warning("incarnation %s was forgotten: registered again", self.id)
            now = time.time()
            self.me = Incarnation(self.id, self.me.role, self.me.host, self.me.pid, now, now)
            await self._repo.register(self.me)
        for hook in self._hooks:
            try:
                await hook()
            except Exception:
                logger.exception("a heartbeat hook failed (it runs again at the next beat)")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except UNREACHABLE as error:
                logger.warning("heartbeat of %s failed (retrying): %s", self.id, error)

    async def live(self) -> list[str]:
        """The incarnations alive now (this one always among them)."""
        cutoff = time.time() - self.timeout
        alive = {i.id for i in await self._repo.beating_since(cutoff) if self.is_alive(i)}
        return sorted(alive | {self.id})

    async def alive(self, ids: Collection[str]) -> dict[str, bool]:
        """Whether each of `ids` that names an incarnation is alive, as `live` tells it
        (dead: stopped, silent past OWNER_TIMEOUT, or its process gone from this host). An
        id that names no incarnation (an older release's stream consumer, or one
        forgotten) is left out: nothing is known of it."""
        known = await self._repo.find(sorted(set(ids)))
        return {i.id: self.is_alive(i) for i in known}

    def is_alive(self, incarnation: Incarnation) -> bool:
        """Beating and not stopped (as `live` reads them), and, on this host, its process
        still there: a supervisor's immediate restart takes over at once. (A process that
        comes back with the same pid, as a restarted container's pid 1, waits for the old
        incarnation's beat to lapse.)"""
        if incarnation.id == self.id:
            return True
        if incarnation.stopped_at is not None:
            return False
        if incarnation.beat_at < time.time() - self.timeout:
            return False
        if incarnation.host == self.me.host and incarnation.pid != self.me.pid:
            return pid_alive(incarnation.pid)
        return True
