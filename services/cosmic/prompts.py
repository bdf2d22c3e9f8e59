"""Cosmic Coach image requests: the seed-003 prompt for cloud models and the scene the
local renderer draws, from one request."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from services.cosmic.astro import PHASE_ELONGATION, sign
from services.generation.base import CosmicScene, ImageRequest, Quality
from services.studio.prompts import COSMIC_NEGATIVE, cosmic_image_prompt

if TYPE_CHECKING:
    from services.cosmic.service import CosmicRequest

SIZE = {Quality.STANDARD: 1024, Quality.HD: 1536}
MOON_PALETTE = ("#6C7BD9", "#A7C7E7", "#C9B6FF")
_NOT_WORDY = re.compile(r"[^\w\s'-]+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")


def prompt_safe(text: str, limit: int = 40) -> str:
    """A user's word for an image prompt: letters, digits, spaces, apostrophes, hyphens."""
    return " ".join(_NOT_WORDY.sub(" ", _TAG.sub(" ", text)).split())[:limit]


def _subject(request: CosmicRequest) -> tuple[str, tuple[str, ...]]:
    signs = [sign(key) for key in request.signs]
    kind = request.category.value
    if kind == "daily":
        return f"the constellation of {signs[0].name}", signs[0].palette
    if kind == "match":
        first, second = signs
        subject = (f"the constellations of {first.name} and {second.name} drawing together, "
                   "their two nebulae merging into one light")  # fmt: skip
        return subject, first.palette[:2] + second.palette[:2]
    if kind == "moon":
        phase = (request.phase.value if request.phase else "full").replace("_", " ")
        return f"the moon as a {phase} moon above a quiet ritual circle of candles", MOON_PALETTE
    traits = ", ".join(f'"{prompt_safe(t)}"' for t in request.traits if prompt_safe(t))
    subject = (f"a symmetric mystical sigil uniting the glyph energies of {signs[0].name} (sun), "
               f"{signs[1].name} (moon) and {signs[2].name} (rising)")  # fmt: skip
    if traits:
        subject += f", expressing the qualities {traits}"
    return subject, signs[0].palette


def cosmic_image_request(request: CosmicRequest, quality: Quality, seed: int) -> ImageRequest:
    subject, palette = _subject(request)
    scene = CosmicScene(
        kind=request.category.value, signs=request.signs, energy=request.energy,
        score=request.score, elongation=_elongation(request),
    )  # fmt: skip
    size = SIZE[quality]
    return ImageRequest(
        prompt=cosmic_image_prompt(subject, palette, request.energy, request.mood, request.focus),
        headline="", kicker="", palette=(palette[0], palette[1], palette[-1]), width=size,
        height=size, seed=seed, negative_prompt=COSMIC_NEGATIVE, quality=quality, scene=scene,
    )  # fmt: skip


def _elongation(request: CosmicRequest) -> float:
    if request.phase is None:
        return 0.0
    return PHASE_ELONGATION[request.phase]
