"""Seed 003's response shape for its routes (/api/images/...): `{"success": true, "data":
{...}}` with camelCase fields. Errors are the same envelope with `success: false`
(webapp/errors.py). The app's own routes answer their bodies bare."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class CamelModel(BaseModel):
    """Fields named in snake_case in Python, camelCase on the wire (both accepted in)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Envelope(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: T


def ok(data: T) -> Envelope[T]:
    return Envelope[T](data=data)
