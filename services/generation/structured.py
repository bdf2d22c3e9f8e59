"""Structured output: a cloud language model that turns (instructions, data, schema) into a
validated object. Products write the instructions and the schema; providers only answer."""

from __future__ import annotations

from typing import Protocol, TypeVar

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


class StructuredModel(Protocol):
    """A cloud language model that answers with JSON matching a schema."""

    provider: str
    model: str

    async def structured(
        self, instructions: str, data: str, schema: type[M]
    ) -> tuple[M, Usage]: ...
