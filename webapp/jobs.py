"""Studio posts started from the Mini App: each runs as an asyncio task in this web
process, its state kept in an in-process registry (a job is seen only by the process that
runs it; the job queue will take this over). Events: queued → text_ready (with the text) →
image_ready → done, or failed (the tokens refunded)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

KEEP = 3600.0
"""Seconds a finished job stays readable."""
FINAL = frozenset({"done", "failed"})


@dataclass
class Job:
    id: str
    user_id: int
    status: str = "queued"
    created_at: float = field(default_factory=time.time)
    events: list[dict[str, Any]] = field(default_factory=list)
    text: dict[str, Any] | None = None
    image_url: str | None = None
    result: dict[str, Any] | None = None
    message: str | None = None
    refunded: bool = False
    image_png: bytes | None = None
    """The picture between "image ready" and "done" (then the gallery has it)."""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def emit(self, status: str, **data: Any) -> None:
        if self.finished:
            return
        self.status = status
        self.events.append({"status": status, **data})
        self.changed.set()
        self.changed = asyncio.Event()

    async def follow(self) -> AsyncIterator[dict[str, Any]]:
        """Every event from the first, then each new one, until the job ends."""
        seen = 0
        while True:
            waiting = self.changed
            while seen < len(self.events):
                seen += 1
                yield self.events[seen - 1]
            if self.finished:
                return
            await waiting.wait()


class JobRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def running_for(self, user_id: int) -> Job | None:
        return next(
            (j for j in self._jobs.values() if j.user_id == user_id and not j.finished), None
        )

    def start(self, user_id: int, work: Coroutine[Any, Any, None], job: Job) -> Job:
        self._forget_old()
        self._jobs[job.id] = job
        job.emit("queued")
        task = asyncio.create_task(self._run(job, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def new(self, user_id: int) -> Job:
        return Job(secrets.token_urlsafe(12), user_id)

    def get(self, user_id: int, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.user_id == user_id else None

    async def drain(self, grace: float) -> None:
        """Lets the jobs in flight finish (up to `grace` seconds), then cancels the rest
        (their holds are given back by the sweeper)."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)

    async def _run(self, job: Job, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            logger.exception("mini app job %s failed", job.id)
            job.emit("failed", message="Something went wrong. Please try again.")
        if not job.finished:
            job.emit("failed", message="The job ended without a result.")
        job.image_png = None

    def _forget_old(self) -> None:
        cutoff = time.time() - KEEP
        for key in [k for k, j in self._jobs.items() if j.finished and j.created_at < cutoff]:
            del self._jobs[key]
