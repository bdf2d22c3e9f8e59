"""What an image is and what made it: its category and the typed parameters of that
category, stored as JSON in `images.params` (and in a reserved use's `again`, for the
sweeper). The JSON keeps the shape it always had ("category" and "signs" for Cosmic Coach
art, "title" for a studio post), so rows written before these types read back unchanged.

`parse_params` and `dump_params` are the one place that turns rows into types and back;
what each category looks like to a user (captions, share texts) lives with the handlers,
how it is painted (prompt, local renderer) with its product's service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from services.cosmic.astro import Focus, Mood, compatibility_of
from services.cosmic.moon import PHASE_ELONGATION, MoonPhase


class Category(StrEnum):
    DAILY = "daily"
    AVATAR = "avatar"
    MATCH = "match"
    MOON = "moon"
    STUDIO = "studio"
    """A Viral Studio post's picture."""


COSMIC_CATEGORIES = frozenset(Category) - {Category.STUDIO}


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(item) for item in data.get(key) or ())


@dataclass(frozen=True, slots=True)
class DailyParams:
    """A sign's reading of the day, painted as its constellation."""

    category: ClassVar[Category] = Category.DAILY
    sign: str
    energy: int = 5
    mood: Mood = Mood.CALM
    focus: Focus = Focus.GROWTH

    def to_json(self) -> dict[str, object]:
        return {
            "category": self.category.value,
            "signs": [self.sign],
            "energy": self.energy,
            "mood": self.mood.value,
            "focus": self.focus.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DailyParams:
        return cls(
            _strings(data, "signs")[0],
            int(data.get("energy", 5)),
            Mood(data.get("mood", Mood.CALM)),
            Focus(data.get("focus", Focus.GROWTH)),
        )


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Two signs and how well they go together."""

    category: ClassVar[Category] = Category.MATCH
    first: str
    second: str

    @property
    def score(self) -> int:
        return compatibility_of(self.first, self.second)

    def to_json(self) -> dict[str, object]:
        return {"category": self.category.value, "signs": [self.first, self.second]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MatchParams:
        first, second = _strings(data, "signs")[:2]
        return cls(first, second)


@dataclass(frozen=True, slots=True)
class MoonParams:
    """A moon phase's ritual."""

    category: ClassVar[Category] = Category.MOON
    phase: MoonPhase = MoonPhase.FULL

    @property
    def elongation(self) -> float:
        """The Moon's angle from the Sun at this phase (what the renderer lights)."""
        return PHASE_ELONGATION[self.phase]

    def to_json(self) -> dict[str, object]:
        return {"category": self.category.value, "phase": self.phase.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MoonParams:
        return cls(MoonPhase(data.get("phase") or MoonPhase.FULL))


@dataclass(frozen=True, slots=True)
class AvatarParams:
    """The sigil of a sun, moon and rising sign, with the traits the user picked."""

    category: ClassVar[Category] = Category.AVATAR
    sun: str
    moon: str
    rising: str
    traits: tuple[str, ...] = ()

    @property
    def signs(self) -> tuple[str, str, str]:
        return self.sun, self.moon, self.rising

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"category": self.category.value, "signs": list(self.signs)}
        if self.traits:
            data["traits"] = list(self.traits)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AvatarParams:
        sun, moon, rising = _strings(data, "signs")[:3]
        return cls(sun, moon, rising, _strings(data, "traits"))


@dataclass(frozen=True, slots=True)
class StudioParams:
    """A studio post's picture: the post's title (the post itself has its own table)."""

    category: ClassVar[Category] = Category.STUDIO
    title: str = ""

    def to_json(self) -> dict[str, object]:
        return {"title": self.title}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StudioParams:
        return cls(str(data.get("title", "")))


CosmicParams = DailyParams | MatchParams | MoonParams | AvatarParams
"""What a person asks Cosmic Coach to paint."""
Params = CosmicParams | StudioParams

PARAMS: dict[Category, type[Params]] = {
    Category.DAILY: DailyParams,
    Category.MATCH: MatchParams,
    Category.MOON: MoonParams,
    Category.AVATAR: AvatarParams,
    Category.STUDIO: StudioParams,
}


def parse_params(category: str, data: Mapping[str, Any]) -> Params:
    """The typed parameters of a stored image of `category` (unknown keys are ignored,
    missing ones take their defaults)."""
    return PARAMS[Category(category)].from_json(data)


def parse_cosmic(data: Mapping[str, Any]) -> CosmicParams:
    """A Cosmic Coach request from its JSON (which names its category)."""
    params = parse_params(str(data["category"]), data)
    if isinstance(params, StudioParams):
        msg = "a studio post is not a Cosmic Coach request"
        raise ValueError(msg)
    return params


def dump_params(params: Params) -> dict[str, object]:
    """The JSON-ready form `parse_params` reads back."""
    return params.to_json()
