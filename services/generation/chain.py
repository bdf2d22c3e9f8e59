"""Fallback chains: the configured models in order, each behind its own Guard. The first
that answers wins; a safety block ends the chain (another model would not make the
request acceptable); when every model fails, the last error is raised."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.generation.base import (
    FailureKind,
    GenerationError,
    ImageGenerator,
    ImageRequest,
    ImageResult,
    PostRequest,
    TextGenerator,
    TextResult,
)
from services.generation.resilience import Guard

logger = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")

FallbackCallback = Callable[[str], Awaitable[None]]
"""Told the name of the model being tried next after one failed."""


@dataclass(frozen=True, slots=True)
class ChainEntry(Generic[P]):
    provider: P
    guard: Guard


class _Chain(Generic[P]):
    def __init__(self, entries: Sequence[ChainEntry[P]]) -> None:
        if not entries:
            msg = "a chain needs at least one model"
            raise ValueError(msg)
        self.entries = tuple(entries)
        self.provider = "chain"
        self.model = ">".join(entry.guard.name for entry in self.entries)
        """Names the chain in generation records when every model in it failed."""

    async def _first_success(
        self, call: Callable[[P], Awaitable[R]], on_fallback: FallbackCallback | None
    ) -> R:
        last_error: GenerationError | None = None
        for index, entry in enumerate(self.entries):
            if index and on_fallback is not None:
                await on_fallback(entry.guard.name)
            try:
                return await entry.guard.call(lambda entry=entry: call(entry.provider))
            except GenerationError as error:
                if error.kind is FailureKind.SAFETY:
                    raise
                logger.warning("%s failed: %s", entry.guard.name, error)
                last_error = error
        assert last_error is not None
        raise last_error


class TextChain(_Chain[TextGenerator]):
    @property
    def languages(self) -> frozenset[str]:
        return frozenset().union(*(entry.provider.languages for entry in self.entries))

    async def write_post(
        self, request: PostRequest, on_fallback: FallbackCallback | None = None
    ) -> TextResult:
        able = [e for e in self.entries if request.language in e.provider.languages]
        chain = _Chain(able) if able else self
        return await chain._first_success(lambda p: p.write_post(request), on_fallback)


class ImageChain(_Chain[ImageGenerator]):
    async def paint(
        self, request: ImageRequest, on_fallback: FallbackCallback | None = None
    ) -> ImageResult:
        return await self._first_success(lambda p: p.paint(request), on_fallback)
