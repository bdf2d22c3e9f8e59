"""The kinds of Cosmic Coach art and their parameters: what a person asks to paint, as it is
stored with the image (registered with services/core/categories.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from services.core.categories import Category, parse_params, register
from services.cosmic.astro import Focus, Mood, compatibility_of
from services.cosmic.moon import PHASE_ELONGATION, MoonPhase

COSMIC_CATEGORIES = frozenset(Category) - {Category.STUDIO}


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(item) for item in data.get(key) or ())


@register
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


@register
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


@register
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


@register
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


CosmicParams = DailyParams | MatchParams | MoonParams | AvatarParams
"""What a person asks Cosmic Coach to paint."""


def parse_cosmic(data: Mapping[str, Any]) -> CosmicParams:
    """A Cosmic Coach request from its JSON (which names its category)."""
    params = parse_params(str(data["category"]), data)
    if not isinstance(params, DailyParams | MatchParams | MoonParams | AvatarParams):
        msg = "a studio post is not a Cosmic Coach request"
        raise ValueError(msg)
    return params
