"""Fallback chains: the configured models in order, each behind its own Guard. The first
that answers wins; a safety block ends the chain (another model would not make the
request acceptable); when every model fails, the last error is raised.

Given a deadline, a chain shares it out: each model may use the time left minus what the
models after it need, so a slow first model cannot starve the fallbacks. A model that did
not answer within its timeout gives way to the next one at once (only the last model of a
chain tries again after a timeout)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from services.generation.base import (
    FailureKind,
    GenerationError,
    ImageGenerator,
    ImageRequest,
    ImageResult,
)
from services.generation.resilience import Guard

logger = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Fallback:
    failed: str
    """'provider:model' that just failed."""
    error: GenerationError
    next_model: str


FallbackCallback = Callable[[Fallback], Awaitable[None]]
"""Told when a model failed and the next one is about to be tried."""


@dataclass(frozen=True, slots=True)
class ChainEntry(Generic[P]):
    provider: P
    guard: Guard


class ModelChain(Generic[P]):
    def __init__(self, entries: Sequence[ChainEntry[P]]) -> None:
        if not entries:
            msg = "a chain needs at least one model"
            raise ValueError(msg)
        self.entries = tuple(entries)
        self.provider = "chain"
        self.model = ">".join(entry.guard.name for entry in self.entries)
        """Names the chain in generation records when every model in it failed."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(entry.guard.name for entry in self.entries)

    async def first_success(
        self,
        call: Callable[[P], Awaitable[R]],
        on_fallback: FallbackCallback | None,
        deadline: float | None,
    ) -> R:
        loop = asyncio.get_running_loop()
        last_error: GenerationError | None = None
        for index, entry in enumerate(self.entries):
            if last_error is not None and on_fallback is not None:
                assert last_error.model is not None
                await on_fallback(Fallback(last_error.model, last_error, entry.guard.name))
            later = self.entries[index + 1 :]
            entry_deadline = None
            if deadline is not None:
                left = deadline - loop.time()
                held_back = sum(e.guard.time_needed for e in later)
                entry_deadline = loop.time() + max(left - held_back, left / (len(later) + 1))
            try:
                return await entry.guard.call(
                    partial(call, entry.provider), entry_deadline, retry_timeouts=not later
                )
            except GenerationError as error:
                error.model = entry.guard.name
                if error.kind is FailureKind.SAFETY:
                    raise
                logger.warning("%s failed: %s", entry.guard.name, error)
                last_error = error
        assert last_error is not None
        raise last_error


class ImageChain(ModelChain[ImageGenerator]):
    async def paint(
        self,
        request: ImageRequest,
        on_fallback: FallbackCallback | None = None,
        deadline: float | None = None,
    ) -> ImageResult:
        return await self.first_success(lambda p: p.paint(request), on_fallback, deadline)
