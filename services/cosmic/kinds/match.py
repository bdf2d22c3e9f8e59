"""Compatibility art (/match): two signs' constellations drawing together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from services.core.categories import Category, register
from services.core.plans import Tier
from services.cosmic.art import render_match
from services.cosmic.astro import compatibility_of, sign
from services.cosmic.kinds import CosmicParams, Kind, Subject, stored_strings


@register
@dataclass(frozen=True, slots=True)
class MatchParams(CosmicParams):
    """Two signs and how well they go together."""

    category: ClassVar[Category] = Category.MATCH
    first: str
    second: str
    given_score: int | None = None
    """A score the asker computed (the API's `compatibilityScore`, 0-100), else ours."""

    @property
    def score(self) -> int:
        if self.given_score is not None:
            return self.given_score
        return compatibility_of(self.first, self.second)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "category": self.category.value,
            "signs": [self.first, self.second],
        }
        if self.given_score is not None:
            data["score"] = self.given_score
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MatchParams:
        first, second = stored_strings(data, "signs")[:2]
        score = data.get("score")
        return cls(first, second, int(score) if score is not None else None)


def _subject(params: MatchParams) -> Subject:
    first, second = sign(params.first), sign(params.second)
    text = (
        f"the constellations of {first.name} and {second.name} drawing together, "
        f"their two nebulae merging into one light ({params.score}% compatible)"
    )
    return Subject(text, first.palette[:2] + second.palette[:2])


def _render(params: MatchParams, seed: int, size: int) -> Image.Image:
    first, second = sign(params.first), sign(params.second)
    return render_match(
        first.key, first.palette, second.key, second.palette, params.score, seed, size
    )


KIND = Kind(
    params=MatchParams,
    order=20,
    lowest_tier=Tier.COSMIC,
    subject=_subject,
    render=_render,
    sample=MatchParams("aries", "libra"),
    web_route="/api/images/generate/compatibility",
)
