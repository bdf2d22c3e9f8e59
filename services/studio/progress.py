"""Live progress of a studio post: cumulative snapshots reported in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.studio.models import PostText

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Progress:
    text: PostText | None
    image_ready: bool
    step: int = 0
    """Grows with every report, so a late-arriving older report can be ignored."""
    text_fallback: bool = False
    """A text model failed and another one is writing."""
    image_fallback: bool = False
    resumed: bool = False
    """This run took over from one whose process died."""


ProgressCallback = Callable[[Progress], Awaitable[None]]


class Reporter:
    """Turns generation events into cumulative Progress snapshots for the caller.

    Reports run in the background: a slow progress edit must never hold back the post.
    """

    def __init__(self, callback: ProgressCallback, *, resumed: bool = False) -> None:
        self._callback = callback
        self.resumed = resumed
        self._step = 0
        self._pending: set[asyncio.Task[None]] = set()
        self.text: PostText | None = None
        self.image_ready = False
        self.text_fallback = False
        self.image_fallback = False

    def notify(self) -> None:
        progress = Progress(
            text=self.text,
            image_ready=self.image_ready,
            step=self._step,
            text_fallback=self.text_fallback,
            image_fallback=self.image_fallback,
            resumed=self.resumed,
        )
        self._step += 1
        task = asyncio.create_task(self._send(progress))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Waits for reports still in flight, so nothing arrives after the final answer."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _send(self, progress: Progress) -> None:
        try:
            await self._callback(progress)
        except Exception:
            logger.exception("progress update failed")
