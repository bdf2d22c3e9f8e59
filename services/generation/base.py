"""What an image provider takes and gives back, what any provider call cost, and how it
fails. No product here: each builds its own requests (and its own local sketch)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Quality(StrEnum):
    STANDARD = "standard"
    HD = "hd"


Sketch = Callable[[int, tuple[int, int]], bytes]
"""A product's own offline picture: the PNG for (seed, (width, height)), built by the
product with its data. The local renderer calls it off the event loop."""


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """One picture to paint. Cloud models get `prompt` (English) at `aspect_ratio`; the
    local renderer draws `sketch` at `width` x `height`."""

    prompt: str
    width: int
    height: int
    seed: int
    sketch: Sketch
    negative_prompt: str = ""
    quality: Quality = Quality.STANDARD
    image_size: str | None = None
    """The cloud models' size class ("1K", "2K", "4K") for the models that take one (Gemini
    image models); None: the model's default. The local renderer draws `width` x `height`."""
    reference_png: bytes | None = None
    """A picture to paint from (Gemini image models take it with the prompt); the other
    models paint from the prompt alone."""

    @property
    def aspect_ratio(self) -> str:
        """'16:9', '1:1', '9:16'…: the ratio of width to height in lowest terms."""
        divisor = math.gcd(self.width, self.height)
        return f"{self.width // divisor}:{self.height // divisor}"


@dataclass(frozen=True, slots=True)
class Usage:
    """Who served a generation and what it cost."""

    provider: str
    model: str
    cost_usd: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ImageResult:
    png: bytes
    width: int
    height: int
    usage: Usage


@dataclass(frozen=True, slots=True)
class PromptResult:
    """An image prompt written by a text model (the prompt-rewriting step)."""

    prompt: str
    usage: Usage


class FailureKind(StrEnum):
    TIMEOUT = "timeout"
    SAFETY = "safety"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    INVALID = "invalid"


class GenerationError(Exception):
    """A provider could not produce a result; `kind` says why in terms a user understands."""

    def __init__(
        self,
        kind: FailureKind,
        detail: str = "",
        retry_after: float | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after
        """Seconds the provider asked us to wait (429), when it said."""
        self.model = model
        """'provider:model' that failed, filled in by the chain."""


class ImageGenerator(Protocol):
    async def paint(self, request: ImageRequest) -> ImageResult: ...
