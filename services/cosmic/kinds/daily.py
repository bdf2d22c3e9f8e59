"""Today's energy of a sign (/daily), painted as its constellation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from services.core.categories import Category, register
from services.core.plans import Tier
from services.cosmic.art import render_daily
from services.cosmic.astro import Focus, Mood, sign
from services.cosmic.kinds import CosmicParams, Kind, Subject, stored_strings


@register
@dataclass(frozen=True, slots=True)
class DailyParams(CosmicParams):
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
            stored_strings(data, "signs")[0],
            int(data.get("energy", 5)),
            Mood(data.get("mood", Mood.CALM)),
            Focus(data.get("focus", Focus.GROWTH)),
        )


def _subject(params: DailyParams) -> Subject:
    star = sign(params.sign)
    text = f"the constellation of {star.name}"
    return Subject(text, star.palette, params.energy, params.mood.value, params.focus.value)


def _render(params: DailyParams, seed: int, size: int) -> Image.Image:
    star = sign(params.sign)
    return render_daily(star.palette, star.key, params.energy, seed, size)


KIND = Kind(
    params=DailyParams,
    order=10,
    lowest_tier=Tier.COSMIC,  # the free plan gets the day's shared image instead
    subject=_subject,
    render=_render,
    sample=DailyParams("leo", 8, Mood.RADIANT, Focus.CAREER),
    web_route="/api/images/generate/daily-energy",
)
