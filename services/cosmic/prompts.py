"""Cosmic Coach image requests: what cloud models are asked to paint (the seed-003 prompt)
and what the local renderer draws, from the request's typed parameters and its kind's
subject and renderer (services/cosmic/kinds/). `ART` is the one table of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.core.categories import Category
from services.cosmic.kinds import BY_CATEGORY, CosmicParams, Kind
from services.generation.base import ImageRequest, Quality
from services.generation.local.painter import fast_png

SIZE = {Quality.STANDARD: 1024, Quality.HD: 1536}
COSMIC_STYLE = (
    "Ethereal, mystical cosmic art: swirling nebulae and a deep star field, soft glow, "
    "painterly detail, 1:1 composition"
)
COSMIC_NEGATIVE = "text, letters, numbers, watermark, logo, people, faces, frame, border"


def cosmic_image_prompt(
    subject: str, palette: tuple[str, ...], energy: int, mood: str, focus: str
) -> str:
    """Seed 003's cosmic prompt: `subject` (e.g. "the Aries constellation"), the sign's
    palette, how intense the energy is (1-10), the mood and the focus of the day. The
    negative prompt (COSMIC_NEGATIVE) travels separately."""
    intensity = "calm and gentle" if energy <= 3 else "vivid" if energy <= 7 else "blazing"
    return (
        f"{COSMIC_STYLE}. {subject[:1].upper()}{subject[1:]}, glowing in {', '.join(palette)}. "
        f"Energy {energy}/10: {intensity} light. Mood: {mood}. Focus: {focus}. "
        "No text in the image."
    )


ART: Mapping[Category, Kind[Any]] = BY_CATEGORY
"""Each kind's prompt subject and local renderer, by category."""


@dataclass(frozen=True, slots=True)
class CosmicSketch:
    """The local rendering of a request (square: the width is the side)."""

    params: CosmicParams

    def __call__(self, seed: int, size: tuple[int, int]) -> bytes:
        art = ART[self.params.category]
        return fast_png(art.render(self.params, seed, size[0]))


def cosmic_image_request(params: CosmicParams, quality: Quality, seed: int) -> ImageRequest:
    subject = ART[params.category].subject(params)
    prompt = cosmic_image_prompt(
        subject.text, subject.palette, subject.energy, subject.mood, subject.focus
    )
    side = SIZE[quality]
    return ImageRequest(
        prompt=prompt,
        width=side,
        height=side,
        seed=seed,
        sketch=CosmicSketch(params),
        negative_prompt=COSMIC_NEGATIVE,
        quality=quality,
    )
