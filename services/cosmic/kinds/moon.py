"""A moon ritual (/moon): the moon at a phase above a circle of candles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from services.core.categories import Category, register
from services.core.plans import Tier
from services.cosmic.art import MOON_PALETTE, render_moon
from services.cosmic.kinds import CosmicParams, Kind, Subject
from services.cosmic.moon import PHASE_ELONGATION, MoonPhase


@register
@dataclass(frozen=True, slots=True)
class MoonParams(CosmicParams):
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


def _subject(params: MoonParams) -> Subject:
    phase = params.phase.value.replace("_", " ")
    text = f"the moon as a {phase} moon above a quiet ritual circle of candles"
    return Subject(text, MOON_PALETTE)


def _render(params: MoonParams, seed: int, size: int) -> Image.Image:
    return render_moon(params.elongation, seed, size)


KIND = Kind(
    params=MoonParams,
    order=30,
    lowest_tier=Tier.COSMIC,
    subject=_subject,
    render=_render,
    sample=MoonParams(MoonPhase.WAXING_CRESCENT),
    web_route="/api/images/generate/moon-ritual",
)
