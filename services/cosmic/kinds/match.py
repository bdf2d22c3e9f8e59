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

    @property
    def score(self) -> int:
        return compatibility_of(self.first, self.second)

    def to_json(self) -> dict[str, object]:
        return {"category": self.category.value, "signs": [self.first, self.second]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MatchParams:
        first, second = stored_strings(data, "signs")[:2]
        return cls(first, second)


def _subject(params: MatchParams) -> Subject:
    first, second = sign(params.first), sign(params.second)
    text = (
        f"the constellations of {first.name} and {second.name} drawing together, "
        "their two nebulae merging into one light"
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
