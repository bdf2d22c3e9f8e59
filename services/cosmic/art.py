"""The offline Cosmic Coach art: nebulae in the sign's palette, glowing constellations,
the moon with its true phase, and the avatar sigil. Deterministic per seed, 1024x1024 by
default, about 100 ms at that size (see bench/render.py)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from services.cosmic.constellations import CONSTELLATIONS
from services.generation.local.nebula import RGB, add_stars, hex_to_rgb, nebula, vignette
from services.generation.local.typeset import font

Box = tuple[float, float, float, float]


def _palette(hexes: tuple[str, ...]) -> tuple[RGB, ...]:
    return tuple(hex_to_rgb(value) for value in hexes)


def _lighten(colour: RGB, amount: float = 0.55) -> RGB:
    r, g, b = colour
    return (int(r + (255 - r) * amount), int(g + (255 - g) * amount), int(b + (255 - b) * amount))


def _glow(
    image: Image.Image, layer: Image.Image, colour: RGB, strength: float, blur: int | None = None
) -> Image.Image:
    """Screens `layer` (L) onto the image twice: a wide coloured halo and a crisp core."""
    # Blurred at a quarter of the size: a halo has no detail to lose, and it is 16x cheaper.
    quarter = (max(image.width // 4, 1), max(image.height // 4, 1))
    halo = layer.resize(quarter, Image.Resampling.BOX)
    radius = blur if blur is not None else image.width // 440
    halo = halo.filter(ImageFilter.GaussianBlur(radius=max(radius, 1)))
    halo = halo.resize(image.size, Image.Resampling.BILINEAR)
    tinted = Image.merge(
        "RGB", [halo.point(lambda v, c=c: min(255, int(v * strength * c / 255))) for c in colour]
    )
    core = Image.merge("RGB", (layer, layer, layer))
    return ImageChops.screen(ImageChops.screen(image, tinted), core)


def draw_constellation(
    image: Image.Image, sign_key: str, box: Box, colour: RGB, strength: float = 1.0
) -> Image.Image:
    """The sign's stick figure inside `box` (fractions of the image), stars glowing."""
    stars, edges = CONSTELLATIONS[sign_key]
    width, height = image.size
    left, top, right, bottom = box
    points = [
        (int((left + x * (right - left)) * width), int((top + y * (bottom - top)) * height))
        for x, y in stars
    ]
    # Only the figure's surroundings are touched: the glow work shrinks with the figure.
    margin = width // 25
    crop = (
        max(0, int(left * width) - margin),
        max(0, int(top * height) - margin),
        min(width, int(right * width) + margin),
        min(height, int(bottom * height) + margin),
    )
    layer = Image.new("L", (crop[2] - crop[0], crop[3] - crop[1]), 0)
    draw = ImageDraw.Draw(layer)
    line = max(width // 300, 2)
    local = [(x - crop[0], y - crop[1]) for x, y in points]
    for a, b in edges:
        draw.line((local[a], local[b]), fill=170, width=line)
    for index, (x, y) in enumerate(local):
        radius = max(width // (70 if index % 3 == 0 else 100), 4)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    region = _glow(image.crop(crop), layer, colour, 3.0 * strength, blur=width // 440)
    image = image.copy()
    image.paste(region, crop[:2])
    return image


def _background(palette: tuple[RGB, ...], size: int, seed: int, energy: float) -> Image.Image:
    intensity = 0.45 + 0.065 * energy
    sky = nebula((size, size), palette, seed, intensity=intensity)
    return add_stars(sky, seed, density=0.6 + 0.06 * energy)


def render_daily(
    palette: tuple[str, ...], sign_key: str, energy: int, seed: int, size: int = 1024
) -> Image.Image:
    """A sign's energy of the day: brighter gas, more stars, a stronger glow with energy."""
    colours = _palette(palette)
    image = _background(colours, size, seed, energy)
    image = draw_constellation(
        image, sign_key, (0.18, 0.18, 0.82, 0.82), _lighten(colours[0]), 0.5 + energy / 10
    )
    return vignette(image, 0.45)


def render_match(
    first: str,
    first_palette: tuple[str, ...],
    second: str,
    second_palette: tuple[str, ...],
    score: int,
    seed: int,
    size: int = 1024,
) -> Image.Image:
    """Two energies merging: each sign's nebula on its side, blended in the middle, both
    constellations, and a bridge of light as bright as the score (0-100) is high."""
    left_colours, right_colours = _palette(first_palette), _palette(second_palette)
    left = nebula((size, size), left_colours, seed, intensity=0.85)
    right = nebula((size, size), right_colours, seed + 1, intensity=0.85)
    ramp = np.clip((np.linspace(0, 1, size, dtype=np.float32) - 0.3) / 0.4, 0, 1)
    mask = Image.fromarray((np.tile(ramp, (size, 1)) * 255).astype(np.uint8), mode="L")
    image = add_stars(Image.composite(right, left, mask), seed)
    bridge = Image.new("L", image.size, 0)
    reach, centre = size * (0.08 + 0.12 * score / 100), size / 2
    ImageDraw.Draw(bridge).ellipse(
        (centre - reach * 1.8, centre - reach, centre + reach * 1.8, centre + reach),
        fill=int(30 + 90 * score / 100),
    )
    quarter = bridge.resize((size // 4, size // 4), Image.Resampling.BOX)
    bridge = quarter.filter(ImageFilter.GaussianBlur(radius=size // 48)).resize(
        image.size, Image.Resampling.BILINEAR
    )
    r, g, b = (np.array(left_colours[0]) + np.array(right_colours[0])) // 2
    image = ImageChops.screen(
        image,
        Image.merge(
            "RGB",
            [bridge.point(lambda v, c=int(c): v * c // 255) for c in _lighten((r, g, b), 0.3)],
        ),
    )
    image = draw_constellation(image, first, (0.05, 0.22, 0.45, 0.78), _lighten(left_colours[0]))
    image = draw_constellation(image, second, (0.55, 0.22, 0.95, 0.78), _lighten(right_colours[0]))
    return vignette(image, 0.45)


MOON_PALETTE = ("#6C7BD9", "#A7C7E7", "#C9B6FF")


def moon_mask(size: int, radius: float, elongation: float) -> Image.Image:
    """The lit part of the moon's disc (L, 0/255) for an elongation in degrees: waxing
    (0-180) is lit on the right, waning (180-360) on the left, as seen from the north."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    x = (xs - size / 2) / radius
    y = (ys - size / 2) / radius
    inside = x * x + y * y <= 1.0
    half_width = np.sqrt(np.clip(1.0 - y * y, 0.0, 1.0))
    if elongation % 360 < 180:
        lit = x > half_width * math.cos(math.radians(elongation))
    else:
        lit = x < half_width * math.cos(math.radians(elongation - 180))
    return Image.fromarray(((inside & lit) * 255).astype(np.uint8), mode="L")


def render_moon(elongation: float, seed: int, size: int = 1024) -> Image.Image:
    """The moon with its true phase over a night-blue nebula: the lit part textured and
    glowing, the dark part faintly visible (earthshine)."""
    image = _background(_palette(MOON_PALETTE), size, seed, 4)
    radius = size * 0.3
    half = size // 2
    lit = moon_mask(half, radius / 2, elongation).resize(image.size, Image.Resampling.LANCZOS)
    disc = moon_mask(half, radius / 2, 180).resize(image.size, Image.Resampling.LANCZOS)
    rng = np.random.default_rng(seed)
    surface = np.zeros((half, half), dtype=np.float32)
    for cells, weight in ((6, 55.0), (14, 30.0), (40, 14.0)):  # maria, then craters
        noise = Image.fromarray(rng.random((cells, cells), dtype=np.float32), mode="F")
        surface += np.asarray(noise.resize((half, half), Image.Resampling.BICUBIC)) * weight
    grey = Image.fromarray(np.clip(surface + 160, 0, 255).astype(np.uint8), mode="L")
    grey = grey.resize(image.size, Image.Resampling.BILINEAR)
    moonlight = Image.merge("RGB", (grey, grey, grey.point(lambda v: min(255, v + 12))))
    image = _glow(image, lit, (190, 205, 255), 0.8)
    image = Image.composite(Image.new("RGB", image.size, (24, 28, 48)), image, disc)
    return vignette(Image.composite(moonlight, image, lit), 0.4)


def render_avatar(
    glyphs: tuple[str, str, str], palette: tuple[str, ...], seed: int, size: int = 1024
) -> Image.Image:
    """A symmetric sigil: the three glyphs (sun, moon, rising) on a ring, joined by light,
    over the sun sign's nebula (`palette`)."""
    sun_palette = _palette(palette)
    image = _background(sun_palette, size, seed, 7)
    centre, ring = size / 2, size * 0.3
    layer = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(layer)
    line = max(size // 300, 2)
    draw.ellipse(
        (centre - ring, centre - ring, centre + ring, centre + ring), outline=170, width=line
    )
    draw.ellipse(
        (centre - ring * 0.55,) * 2 + (centre + ring * 0.55,) * 2, outline=110, width=line
    )
    for spoke in range(12):  # twelve-fold symmetry: one ray per sign
        angle = math.pi * 2 * spoke / 12
        inner, outer = ring * 1.08, ring * (1.3 if spoke % 3 == 0 else 1.18)
        draw.line(
            (
                centre + inner * math.cos(angle),
                centre + inner * math.sin(angle),
                centre + outer * math.cos(angle),
                centre + outer * math.sin(angle),
            ),
            fill=140,
            width=line,
        )
    corners = [
        (centre + ring * math.cos(a), centre + ring * math.sin(a))
        for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)
    ]
    draw.polygon(corners, outline=120, width=line)
    face = font(int(size * 0.11), bold=True)
    for (x, y), glyph in zip(corners, glyphs, strict=True):
        draw.ellipse(
            (x - size * 0.085, y - size * 0.085, x + size * 0.085, y + size * 0.085), fill=40
        )
        draw.text((x, y), glyph, font=face, fill=255, anchor="mm")
    return vignette(_glow(image, layer, _lighten(sun_palette[0], 0.3), 2.0), 0.45)
