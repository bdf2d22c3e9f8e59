"""Structured output: a cloud language model that turns (instructions, data, schema) into a
validated object. Products write the instructions and the schema; providers only answer."""

from __future__ import annotations

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
