"""Structured output: a cloud language model that turns (instructions, data, schema) into a
validated object. Products write the instructions and the schema; providers only answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from jiter import from_json
from pydantic import BaseModel

from services.generation.base import Usage

M = TypeVar("M", bound=BaseModel)

LANGUAGES_IN_ENGLISH: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "ru": "Russian",
    "pt": "Portuguese",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ar": "Arabic",
}
"""Language names as the instructions to a model spell them."""


PartialAnswer = Callable[[dict[str, Any]], None]
"""Called with the answer's fields as far as they have come (strings cut where the model
is), each time more of it has arrived."""

PARTIAL_EVERY = 0.1
"""Seconds between two readings of a streamed answer so far: a model sends a piece every
few milliseconds, and each reading parses the whole answer again (a draft shows at most
one a second anyway)."""


class StructuredModel(Protocol):
    """A cloud language model that answers with JSON matching a schema; with `on_partial`,
    it streams its answer and reports it as it comes."""

    provider: str
    model: str

    async def structured(
        self,
        instructions: str,
        data: str,
        schema: type[M],
        on_partial: PartialAnswer | None = None,
    ) -> tuple[M, Usage]: ...


def partial_fields(snapshot: str) -> dict[str, Any] | None:
    """The fields of a JSON object cut anywhere, its last string as far as it goes (jiter's
    partial mode, which the OpenAI SDK uses too, but keeping the unfinished string: the
    body being written is the point of streaming). None before the object has begun."""
    try:
        value = from_json(snapshot.encode(), partial_mode="trailing-strings")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class PartialReader:
    """Reads a streamed answer as it grows and tells `on_partial` its fields: at once for
    the first piece, then at most every `every` seconds (the newest text; the pieces in
    between are read with it), and a last time at the end (`flush`) if the newest text
    was not read yet."""

    def __init__(self, on_partial: PartialAnswer, every: float = PARTIAL_EVERY) -> None:
        self._on_partial = on_partial
        self._every = every
        self._pieces: list[str] = []
        self._read = 0
        """How many pieces the last reading had."""
        self._next_at = 0.0

    @property
    def text(self) -> str:
        """The answer so far."""
        return "".join(self._pieces)

    def add(self, piece: str) -> None:
        self._pieces.append(piece)
        now = time.monotonic()
        if now >= self._next_at:
            self._next_at = now + self._every
            self._tell()

    def flush(self) -> None:
        if self._read < len(self._pieces):
            self._tell()

    def _tell(self) -> None:
        self._read = len(self._pieces)
        if fields := partial_fields(self.text):
            self._on_partial(fields)
