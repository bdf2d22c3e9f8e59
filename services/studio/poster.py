"""The offline studio image: a nebula poster with the post's headline typeset on it. The
PNG carries how it was drawn (headline, kicker, palette, seed), so that it can be drawn
again at another size (the 4K picture) rather than enlarged."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, PngImagePlugin

from services.generation.local import typeset
from services.generation.local.nebula import RGB, add_stars, hex_to_rgb, nebula, vignette

WHITE: RGB = (255, 255, 255)
RECIPE_KEY = "cosmic-studio:poster"
"""The PNG text chunk (iTXt: UTF-8) that holds a poster's recipe as JSON."""


def _left_shade(size: tuple[int, int], strength: float = 0.6) -> Image.Image:
    """A mask that darkens the left side, where the text sits."""
    width, height = size
    ramp = np.clip(1.0 - np.linspace(0.0, 1.0, 256, dtype=np.float32) * 1.6, 0.0, 1.0)
    row = Image.fromarray((ramp * 255 * strength).astype(np.uint8)[None, :], mode="L")
    return row.resize((width, height), Image.Resampling.BILINEAR)


def _planet(image: Image.Image, colour: RGB, seed: int) -> Image.Image:
    """A glowing sphere on the right third, the poster's focal point."""
    width, height = image.size
    rng = np.random.default_rng(seed + 31)
    radius = int(height * rng.uniform(0.22, 0.3))
    cx = int(width * rng.uniform(0.74, 0.82))
    cy = int(height * rng.uniform(0.38, 0.6))
    glow = Image.new("L", image.size, 0)
    ImageDraw.Draw(glow).ellipse(
        (cx - radius * 1.25, cy - radius * 1.25, cx + radius * 1.25, cy + radius * 1.25),
        fill=150,
    )
    glow = glow.filter(ImageFilter.GaussianBlur(radius * 0.35))
    image = Image.composite(Image.new("RGB", image.size, colour), image, glow)
    disc = Image.new("L", image.size, 0)
    ImageDraw.Draw(disc).ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=255)
    shade = Image.radial_gradient("L").resize((radius * 3, radius * 3))
    body = Image.new("RGB", image.size, (10, 10, 25))
    lit = Image.new("RGB", (radius * 3, radius * 3), colour)
    body.paste(
        lit, (cx - int(radius * 1.9), cy - int(radius * 1.9)), shade.point(lambda v: 255 - v)
    )
    return Image.composite(body, image, disc)


def render_studio_image(
    headline: str,
    kicker: str,
    palette: tuple[str, str, str],
    *,
    size: tuple[int, int] = (1920, 1080),
    seed: int = 0,
) -> Image.Image:
    """A 16:9 poster: nebula in `palette`, a planet, the kicker line and the headline."""
    colours = tuple(hex_to_rgb(c) for c in palette)
    width, height = size
    image = nebula(size, colours, seed)
    image = add_stars(image, seed, density=0.8)
    image = _planet(image, colours[0], seed)
    image = vignette(image)
    image = Image.composite(Image.new("RGB", size, (0, 0, 0)), image, _left_shade(size))

    draw = ImageDraw.Draw(image)
    margin = int(width * 0.07)
    text_width = int(width * 0.5)
    kicker_fit = typeset.fit(
        kicker.upper(),
        (text_width, int(height * 0.06)),
        max_size=int(height * 0.032),
        max_lines=1,
        bold=True,
    )
    headline_fit = typeset.fit(
        headline,
        (text_width, int(height * 0.5)),
        max_size=int(height * 0.11),
        min_size=int(height * 0.04),
        max_lines=4,
        bold=True,
    )
    block = kicker_fit.height + int(height * 0.04) + headline_fit.height
    top = (height - block) // 2
    draw.rectangle(
        (margin, top, margin + int(width * 0.05), top + max(4, height // 180)), fill=colours[0]
    )
    typeset.draw_lines(draw, kicker_fit, (margin, top + int(height * 0.02)), colours[1])
    headline_top = top + kicker_fit.height + int(height * 0.04)
    typeset.draw_lines(draw, headline_fit, (margin, headline_top), WHITE)
    return image


def to_png(image: Image.Image, recipe: dict[str, Any] | None = None) -> bytes:
    buffer = io.BytesIO()
    info = None
    if recipe is not None:
        info = PngImagePlugin.PngInfo()
        info.add_itxt(RECIPE_KEY, json.dumps(recipe, ensure_ascii=False))
    image.save(buffer, format="PNG", compress_level=3, pnginfo=info)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class PosterSketch:
    """The local rendering of a studio picture: the poster with the post's hook."""

    headline: str
    kicker: str
    palette: tuple[str, str, str]

    def __call__(self, seed: int, size: tuple[int, int]) -> bytes:
        image = render_studio_image(self.headline, self.kicker, self.palette, size=size, seed=seed)
        return to_png(image, self.recipe(seed))

    def recipe(self, seed: int) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "kicker": self.kicker,
            "palette": list(self.palette),
            "seed": seed,
        }


@dataclass(frozen=True, slots=True)
class DrawnPoster:
    """A poster as its PNG says it was drawn: the sketch and its seed."""

    sketch: PosterSketch
    seed: int


def drawn_poster(png: bytes) -> DrawnPoster | None:
    """How this picture was drawn, if it is a local poster that says so (any other picture,
    or one drawn before posters carried their recipe: None)."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            text = getattr(image, "text", {}).get(RECIPE_KEY)
        if text is None:
            return None
        recipe = json.loads(text)
        headline, kicker, seed = recipe["headline"], recipe["kicker"], recipe["seed"]
        first, second, third = (str(colour) for colour in recipe["palette"])
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(headline, str) and isinstance(kicker, str) and isinstance(seed, int)):
        return None
    return DrawnPoster(PosterSketch(headline, kicker, (first, second, third)), seed)
