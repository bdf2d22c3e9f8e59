"""What an image is and what made it: its category and the typed parameters of that
category, stored as JSON in `images.params` (and in a reserved use's `again`, for the
sweeper). The JSON keeps the shape it always had ("category" and "signs" for Cosmic Coach
art, "title" for a studio post), so rows written before these types read back unchanged.

Each product registers its parameter types here (`register`): Cosmic Coach's kinds in
services/cosmic/kinds/, the studio post's picture in services/studio/models.py. Core
knows their names only, never their modules. `parse_params` and `dump_params` are the one
place that turns rows into types and back."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, Protocol, Self, TypeVar


class Category(StrEnum):
    DAILY = "daily"
    AVATAR = "avatar"
    MATCH = "match"
    MOON = "moon"
    STUDIO = "studio"
    """A Viral Studio post's picture."""


class Params(Protocol):
    """The typed parameters of one category of image."""

    category: ClassVar[Category]

    def to_json(self) -> dict[str, object]: ...

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self: ...


P = TypeVar("P", bound=type[Params])
_REGISTERED: dict[Category, type[Params]] = {}


def register(params: P) -> P:
    """Make `params` the type of its category's stored rows (a class decorator)."""
    _REGISTERED[params.category] = params
    return params


def registered() -> Mapping[Category, type[Params]]:
    return _REGISTERED


def parse_params(category: str, data: Mapping[str, Any]) -> Params:
    """The typed parameters of a stored image of `category` (unknown keys are ignored,
    missing ones take their defaults)."""
    return _REGISTERED[Category(category)].from_json(data)


def dump_params(params: Params) -> dict[str, object]:
    """The JSON-ready form `parse_params` reads back."""
    return params.to_json()
