"""Today's energy of a sign (/daily), painted as its constellation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from PIL import Image

from services.core.categories import Category, register
from services.core.plans import Tier
from services.cosmic.art import render_daily
from services.cosmic.astro import Focus, Mood, sign
from services.cosmic.kinds import CosmicParams, Kind, Subject, prompt_safe, stored_strings


@register
@dataclass(frozen=True, slots=True)
class DailyParams(CosmicParams):
    """A sign's reading of the day, painted as its constellation."""

    category: ClassVar[Category] = Category.DAILY
    sign: str
    energy: int = 5
    mood: Mood = Mood.CALM
    focus: Focus = Focus.GROWTH
    day: date | None = None
    """The date whose energy it shows (the API's `date`; the chat's is today's)."""
    mood_words: str = ""
    """The mood in the person's own words (the API's free-text `mood`), else `mood`."""
    focus_words: str = ""
    """The focus in the person's own words, else `focus`."""

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "category": self.category.value,
            "signs": [self.sign],
            "energy": self.energy,
            "mood": self.mood.value,
            "focus": self.focus.value,
        }
        if self.day is not None:
            data["date"] = self.day.isoformat()
        if self.mood_words:
            data["moodWords"] = self.mood_words
        if self.focus_words:
            data["focusWords"] = self.focus_words
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DailyParams:
        day = data.get("date")
        return cls(
            stored_strings(data, "signs")[0],
            int(data.get("energy", 5)),
            Mood(data.get("mood", Mood.CALM)),
            Focus(data.get("focus", Focus.GROWTH)),
            date.fromisoformat(day) if isinstance(day, str) else None,
            str(data.get("moodWords", "")),
            str(data.get("focusWords", "")),
        )


def _words(own: str, word: str) -> str:
    """A person's own words go to the model as quoted data; ours as they are."""
    safe = prompt_safe(own)
    return f'"{safe}"' if safe else word


def _subject(params: DailyParams) -> Subject:
    star = sign(params.sign)
    text = f"the constellation of {star.name}"
    if params.day is not None:
        text += f", its energy on {params.day.isoformat()}"
    mood = _words(params.mood_words, params.mood.value)
    focus = _words(params.focus_words, params.focus.value)
    return Subject(text, star.palette, params.energy, mood, focus)


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
