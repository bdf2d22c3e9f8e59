"""Procedural space backgrounds: nebula clouds, star fields and vignettes (numpy + Pillow).

Everything is deterministic for a given seed. Clouds are computed at a fraction of the
output size and upscaled (they are smooth, so nothing is lost) to keep rendering fast.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]

_CLOUD_SCALE = 4  # clouds are computed at 1/4 of the output size


def hex_to_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _smooth_noise(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Fractal value noise in [0, 1]: random grids of rising detail, upscaled and summed."""
    total = np.zeros((height, width), dtype=np.float32)
    weight_sum = 0.0
    for octave in range(5):
        cells = 3 * 2**octave
        grid = rng.random((cells * height // width + 2, cells + 2), dtype=np.float32)
        layer = Image.fromarray(grid, mode="F").resize((width, height), Image.Resampling.BICUBIC)
        weight = 0.55**octave
        total += np.asarray(layer, dtype=np.float32) * weight
        weight_sum += weight
    total /= weight_sum
    low, high = np.percentile(total, (2, 98))
    return np.asarray(np.clip((total - low) / max(high - low, 1e-6), 0.0, 1.0), np.float32)


def nebula(
    size: tuple[int, int],
    palette: tuple[RGB, ...],
    seed: int,
    intensity: float = 1.0,
) -> Image.Image:
    """Coloured clouds over deep space; `intensity` in [0.3, 1.5] brightens the gas."""
    width, height = size
    small_w, small_h = max(width // _CLOUD_SCALE, 8), max(height // _CLOUD_SCALE, 8)
    rng = np.random.default_rng(seed)
    base = np.array((6, 6, 20), dtype=np.float32)
    image = np.broadcast_to(base, (small_h, small_w, 3)).copy()
    for index, colour in enumerate(palette):
        density = _smooth_noise(rng, small_w, small_h) ** (2.2 + 0.4 * index)
        image += density[..., None] * np.array(colour, dtype=np.float32) * (0.85 * intensity)
    glow = _smooth_noise(rng, small_w, small_h) ** 6
    image += glow[..., None] * 160.0 * intensity
    small = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), mode="RGB")
    return small.resize((width, height), Image.Resampling.BICUBIC)


def add_stars(image: Image.Image, seed: int, density: float = 1.0) -> Image.Image:
    """Scatters stars; the brightest get a soft halo."""
    width, height = image.size
    rng = np.random.default_rng(seed + 7919)
    count = int(width * height / 900 * density)
    xs = rng.integers(0, width, count)
    ys = rng.integers(0, height, count)
    brightness = rng.power(3.0, count)
    stars = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(stars)
    for x, y, b in zip(xs.tolist(), ys.tolist(), brightness.tolist(), strict=True):
        level = int(80 + 175 * b)
        if b > 0.93:
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=level)
        else:
            draw.point((x, y), fill=level)
    halo = stars.filter(ImageFilter.GaussianBlur(radius=3))
    light = Image.merge("RGB", (stars, stars, stars))
    halo_rgb = Image.merge("RGB", (halo, halo, halo))
    return ImageChops.screen(ImageChops.screen(image, halo_rgb), light)


def vignette(image: Image.Image, strength: float = 0.55) -> Image.Image:
    """Darkens the edges so the eye goes to the centre and text stays legible."""
    width, height = image.size
    small = (max(width // 8, 2), max(height // 8, 2))
    ys, xs = np.mgrid[0 : small[1], 0 : small[0]].astype(np.float32)
    dx = (xs / (small[0] - 1) - 0.5) * 2
    dy = (ys / (small[1] - 1) - 0.5) * 2
    mask = np.clip(1.0 - strength * (dx**2 + dy**2) / 2, 0.0, 1.0)
    mask_img = Image.fromarray((mask * 255).astype(np.uint8), mode="L").resize(
        image.size, Image.Resampling.BILINEAR
    )
    black = Image.new("RGB", image.size, (0, 0, 0))
    return Image.composite(image, black, mask_img)
