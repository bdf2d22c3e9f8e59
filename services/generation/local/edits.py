"""The local renderer's picture edits: a request in words (English, Spanish, Russian) mapped
onto what it can do by itself — colour shifts, more or fewer stars, brighter or darker,
calmer or bolder — and the parts it cannot do, told back in the person's own words.

The request is split into parts ("more purple and add a cat" → "more purple", "add a cat");
a part is done when a word in it names an adjustment, and reported as not done otherwise."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageEnhance, ImageFilter

from services.generation.base import FailureKind, GenerationError, ImageResult, Usage
from services.generation.editing import Adjustment, EditedImage, EditRequest
from services.generation.local.nebula import add_stars
from services.generation.local.painter import fast_png

_PARTS = re.compile(r"[,;.!?\n]+|\s(?:and|also|plus|then|y|e|también|и|а|также|ещё|еще)\s|[&+]")

_LESS = ("less", "fewer", "remove", "no", "without", "delete", "menos", "quita", "quitar",
         "sin", "elimin", "меньше", "убер", "убр", "без", "удал")  # fmt: skip
"""Words that turn "stars" into fewer stars and "bright"/"dark" into their opposite."""

_STARS = ("star", "estrell", "звезд", "звёзд")

_WORDS: dict[Adjustment, tuple[str, ...]] = {
    Adjustment.PURPLER: ("purpl", "violet", "magenta", "lilac", "lavender", "morad", "lila",
                         "púrpura", "purpura", "фиолет", "пурпур", "сирен", "лилов"),
    Adjustment.BLUER: ("blue", "azul", "син", "голуб"),
    Adjustment.GREENER: ("green", "verde", "зелен", "зелён"),
    Adjustment.REDDER: ("red", "redder", "reddish", "roj", "красн"),
    Adjustment.PINKER: ("pink", "rosa", "rosad", "розов"),
    Adjustment.GOLDER: ("gold", "yellow", "dorad", "oro", "amarill", "золот", "желт", "жёлт"),
    Adjustment.WARMER: ("warm", "cálid", "calid", "calor", "тепл", "тёпл"),
    Adjustment.COOLER: ("cool", "cold", "frí", "frio", "fria", "холод", "прохлад"),
    Adjustment.BRIGHTER: ("bright", "light", "lighter", "clar", "lumin", "brill", "ярч", "ярк",
                          "светл", "светле"),
    Adjustment.DARKER: ("dark", "dim", "oscur", "темн", "тёмн"),
    Adjustment.CALMER: ("calm", "soft", "gentle", "muted", "subtle", "tranquil", "suave",
                        "спокойн", "мягч", "мягк", "нежн"),
    Adjustment.BOLDER: ("bold", "vivid", "vibrant", "intens", "punch", "saturat", "contrast",
                        "viv", "atrevid", "насыщ", "контраст", "смел", "сочн"),
}  # fmt: skip
_EXACT = frozenset({"red", "no", "sin", "oro", "lila", "rosa", "dim", "light"})
"""Stems that must be the whole word ("red" is not "reduce", "no" is not "noon")."""

_OPPOSITE = {Adjustment.BRIGHTER: Adjustment.DARKER, Adjustment.DARKER: Adjustment.BRIGHTER}

_GAINS: dict[Adjustment, tuple[float, float, float]] = {
    Adjustment.PURPLER: (1.18, 0.80, 1.30),
    Adjustment.BLUER: (0.85, 0.95, 1.30),
    Adjustment.GREENER: (0.85, 1.25, 0.85),
    Adjustment.REDDER: (1.30, 0.88, 0.88),
    Adjustment.PINKER: (1.25, 0.88, 1.10),
    Adjustment.GOLDER: (1.20, 1.10, 0.75),
    Adjustment.WARMER: (1.15, 1.02, 0.85),
    Adjustment.COOLER: (0.87, 1.00, 1.15),
}
"""Colour shifts: each channel's gain (a small lift of the raised channels tints the dark
sky too)."""
_LIFT = 40.0
_STAR_JUMP = 40
"""How much brighter than its neighbourhood a pixel is when it is a star."""


def _words(part: str) -> list[str]:
    return re.findall(r"\w+", part.casefold())


def _names(words: list[str], stem: str) -> bool:
    if stem in _EXACT:
        return stem in words
    return any(word.startswith(stem) for word in words)


def _adjustments_in(part: str) -> list[Adjustment]:
    """The adjustments one part of a request asks for (none: the renderer cannot do it)."""
    words = _words(part)
    less = any(_names(words, stem) for stem in _LESS)
    found: list[Adjustment] = []
    if any(_names(words, stem) for stem in _STARS):
        found.append(Adjustment.FEWER_STARS if less else Adjustment.MORE_STARS)
    for adjustment, stems in _WORDS.items():
        if any(_names(words, stem) for stem in stems):
            if less and adjustment in _OPPOSITE:
                found.append(_OPPOSITE[adjustment])
            elif not less:
                found.append(adjustment)
    return found


def plan_edits(words: str) -> tuple[tuple[Adjustment, ...], tuple[str, ...]]:
    """(the adjustments to make, in order and once each; the parts of the request the
    renderer cannot do, as the person wrote them)."""
    applied: list[Adjustment] = []
    not_done: list[str] = []
    for raw in _PARTS.split(words):
        part = raw.strip(" \t-–—:")
        if not part:
            continue
        found = _adjustments_in(part)
        if not found:
            not_done.append(part)
        applied.extend(a for a in found if a not in applied)
    return tuple(applied), tuple(not_done)


def _shift_colour(image: Image.Image, gains: tuple[float, float, float]) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    gain = np.array(gains, dtype=np.float32)
    lift = np.clip(gain - 1.0, 0.0, None) * _LIFT
    return Image.fromarray(np.clip(pixels * gain + lift, 0, 255).astype(np.uint8), mode="RGB")


def _fewer_stars(image: Image.Image) -> Image.Image:
    """Points much brighter than their neighbourhood (stars) take its colour."""
    background = image.filter(ImageFilter.MedianFilter(5))
    jump = ImageChops.subtract(image.convert("L"), background.convert("L"))
    stars = jump.point(lambda level: 255 if level > _STAR_JUMP else 0)
    return Image.composite(background, image, stars.filter(ImageFilter.MaxFilter(3)))


_Enhancer = type[ImageEnhance.Brightness | ImageEnhance.Color | ImageEnhance.Contrast]


def _enhanced(image: Image.Image, *steps: tuple[_Enhancer, float]) -> Image.Image:
    for enhancer, factor in steps:
        image = enhancer(image).enhance(factor)
    return image


def _operation(adjustment: Adjustment, seed: int) -> Callable[[Image.Image], Image.Image]:
    if adjustment in _GAINS:
        return lambda image: _shift_colour(image, _GAINS[adjustment])
    operations: dict[Adjustment, Callable[[Image.Image], Image.Image]] = {
        Adjustment.MORE_STARS: lambda image: add_stars(image, seed, density=0.6),
        Adjustment.FEWER_STARS: _fewer_stars,
        Adjustment.BRIGHTER: lambda image: _enhanced(image, (ImageEnhance.Brightness, 1.3)),
        Adjustment.DARKER: lambda image: _enhanced(image, (ImageEnhance.Brightness, 0.7)),
        Adjustment.CALMER: lambda image: _enhanced(
            image, (ImageEnhance.Color, 0.65), (ImageEnhance.Contrast, 0.85)
        ),
        Adjustment.BOLDER: lambda image: _enhanced(
            image, (ImageEnhance.Color, 1.4), (ImageEnhance.Contrast, 1.15)
        ),
    }
    return operations[adjustment]


def apply_edits(png: bytes, adjustments: tuple[Adjustment, ...], seed: int) -> bytes:
    """The picture with `adjustments` made, in order, as PNG."""
    try:
        with Image.open(io.BytesIO(png)) as opened:
            image = opened.convert("RGB")
    except (OSError, ValueError) as error:
        raise GenerationError(FailureKind.INVALID, f"not a picture: {error}") from error
    for adjustment in adjustments:
        image = _operation(adjustment, seed)(image)
    return fast_png(image)


class LocalImageEditor:
    """Edits without a model: the adjustments the request names; says what it could not do."""

    provider = "local"
    model = "cosmic-edit-v1"

    async def edit(self, request: EditRequest) -> EditedImage:
        applied, not_done = plan_edits(request.words)
        png = request.png
        if applied:
            png = await asyncio.to_thread(apply_edits, request.png, applied, request.seed)
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
        result = ImageResult(png, width, height, Usage(self.provider, self.model))
        return EditedImage(result, applied=applied, not_done=not_done)
