"""Cosmic Coach image requests: per category, what cloud models are asked to paint (the
seed-003 prompt) and what the local renderer draws, both from the request's typed
parameters. `ART` is the one table of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from PIL import Image

from services.core.categories import Category
from services.cosmic.art import (
    MOON_PALETTE,
    render_avatar,
    render_daily,
    render_match,
    render_moon,
)
from services.cosmic.astro import sign
from services.cosmic.kinds import AvatarParams, CosmicParams, DailyParams, MatchParams, MoonParams
from services.generation.base import ImageRequest, Quality
from services.generation.local.painter import fast_png

P = TypeVar("P")

SIZE = {Quality.STANDARD: 1024, Quality.HD: 1536}
COSMIC_STYLE = (
    "Ethereal, mystical cosmic art: swirling nebulae and a deep star field, soft glow, "
    "painterly detail, 1:1 composition"
)
COSMIC_NEGATIVE = "text, letters, numbers, watermark, logo, people, faces, frame, border"
_NOT_WORDY = re.compile(r"[^\w\s'-]+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")


def prompt_safe(text: str, limit: int = 40) -> str:
    """A user's word for an image prompt: letters, digits, spaces, apostrophes, hyphens."""
    return " ".join(_NOT_WORDY.sub(" ", _TAG.sub(" ", text)).split())[:limit]


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


class Subject(NamedTuple):
    """What the prompt describes; the tone is the day's where there is one."""

    text: str
    palette: tuple[str, ...]
    energy: int = 5
    mood: str = "calm"
    focus: str = "growth"


@dataclass(frozen=True, slots=True)
class CosmicArt(Generic[P]):
    subject: Callable[[P], Subject]
    """What cloud models paint, in which colours and tone."""
    render: Callable[[P, int, int], Image.Image]
    """The local picture: (params, seed, side in pixels) → a square image."""


def _daily_subject(params: DailyParams) -> Subject:
    star = sign(params.sign)
    text = f"the constellation of {star.name}"
    return Subject(text, star.palette, params.energy, params.mood.value, params.focus.value)


def _daily_render(params: DailyParams, seed: int, size: int) -> Image.Image:
    star = sign(params.sign)
    return render_daily(star.palette, star.key, params.energy, seed, size)


def _match_subject(params: MatchParams) -> Subject:
    first, second = sign(params.first), sign(params.second)
    text = (
        f"the constellations of {first.name} and {second.name} drawing together, "
        "their two nebulae merging into one light"
    )
    return Subject(text, first.palette[:2] + second.palette[:2])


def _match_render(params: MatchParams, seed: int, size: int) -> Image.Image:
    first, second = sign(params.first), sign(params.second)
    return render_match(
        first.key, first.palette, second.key, second.palette, params.score, seed, size
    )


def _moon_subject(params: MoonParams) -> Subject:
    phase = params.phase.value.replace("_", " ")
    text = f"the moon as a {phase} moon above a quiet ritual circle of candles"
    return Subject(text, MOON_PALETTE)


def _moon_render(params: MoonParams, seed: int, size: int) -> Image.Image:
    return render_moon(params.elongation, seed, size)


def _avatar_subject(params: AvatarParams) -> Subject:
    sun, moon, rising = (sign(key) for key in params.signs)
    traits = ", ".join(f'"{prompt_safe(t)}"' for t in params.traits if prompt_safe(t))
    text = (
        f"a symmetric mystical sigil uniting the glyph energies of {sun.name} (sun), "
        f"{moon.name} (moon) and {rising.name} (rising)"
    )
    if traits:
        text += f", expressing the qualities {traits}"
    return Subject(text, sun.palette)


def _avatar_render(params: AvatarParams, seed: int, size: int) -> Image.Image:
    sun, moon, rising = (sign(key) for key in params.signs)
    return render_avatar((sun.glyph, moon.glyph, rising.glyph), sun.palette, seed, size)


ART: dict[Category, CosmicArt[Any]] = {
    Category.DAILY: CosmicArt(_daily_subject, _daily_render),
    Category.MATCH: CosmicArt(_match_subject, _match_render),
    Category.MOON: CosmicArt(_moon_subject, _moon_render),
    Category.AVATAR: CosmicArt(_avatar_subject, _avatar_render),
}


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
