"""Share cards in the four social formats: the image fitted without cutting its subject,
a headline (glyph or post title), the date, one short line, the energy where there is
one, and the watermark with a QR code that opens the bot with the sharer's referral.

Pure: (image, parameters) → PNG bytes, deterministic, nothing drawn outside the safe area.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import segno
from PIL import Image, ImageDraw, ImageFilter

from services.generation.local import typeset

WHITE = (255, 255, 255)
SOFT = (214, 220, 240)
CLOSE_ASPECT = 1.25
"""Source and card aspects within this factor: crop to cover; otherwise fit inside."""


class CardFormat(StrEnum):
    SQUARE = "ig_square"
    STORY = "ig_story"
    X = "x"
    FACEBOOK = "facebook"


SIZES: dict[CardFormat, tuple[int, int]] = {
    CardFormat.SQUARE: (1080, 1080),
    CardFormat.STORY: (1080, 1920),
    CardFormat.X: (1200, 675),
    CardFormat.FACEBOOK: (1200, 630),
}


@dataclass(frozen=True, slots=True)
class CardText:
    headline: str
    """The zodiac glyph and name, or the post title."""
    line: str
    """Energy and mood, the pairing and score, the moon phase, or the post's hook."""
    date: str
    watermark: str
    """"Created with @bot"."""
    link: str
    """The deep link the QR code opens: t.me/<bot>?start=ref_<id>."""
    energy: int | None = None
    """1-10, drawn as a row of dots when given."""
    keep_clear: bool = False
    """The image carries text of its own (a typeset poster): fit it whole between the top
    block and the footer, so no overlay ever covers it."""


Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes on a card (left, top, right, bottom), for drawing and tests."""

    size: tuple[int, int]
    safe: Box
    headline: Box
    line: Box
    energy: Box
    footer: Box
    qr: Box


@dataclass(frozen=True, slots=True)
class _Scale:
    """Block heights as fractions of the card's short side."""

    headline: float
    line: float
    energy: float
    footer: float


_SCALES = {
    CardFormat.SQUARE: _Scale(0.13, 0.075, 0.035, 0.2),
    # A story is tall: the same width gets larger type and a larger code.
    CardFormat.STORY: _Scale(0.2, 0.1, 0.05, 0.26),
    CardFormat.X: _Scale(0.13, 0.075, 0.035, 0.2),
    CardFormat.FACEBOOK: _Scale(0.13, 0.075, 0.035, 0.2),
}


@lru_cache(maxsize=8)
def layout(card: CardFormat) -> Layout:
    width, height = SIZES[card]
    short, scale = min(width, height), _SCALES[card]
    margin, gap = int(short * 0.05), int(short * 0.015)
    safe = (margin, margin, width - margin, height - margin)
    footer_top = height - margin - int(short * scale.footer)
    qr = (width - margin - int(short * scale.footer), footer_top, width - margin, height - margin)
    headline = (margin, margin, width - margin, margin + int(short * scale.headline))
    line = (margin, headline[3] + gap, width - margin, headline[3] + gap + int(short * scale.line))
    energy_bottom = line[3] + gap + int(short * scale.energy)
    energy = (margin, line[3] + gap, margin + int(short * scale.energy * 14), energy_bottom)
    footer = (margin, footer_top, qr[0] - gap * 2, height - margin)
    return Layout((width, height), safe, headline, line, energy, footer, qr)


def render_card(source: Image.Image, card: CardFormat, text: CardText) -> bytes:
    """The card as PNG bytes."""
    spot = layout(card)
    if text.keep_clear:
        canvas = _framed(source.convert("RGB"), spot)
    else:
        canvas = _fitted(source.convert("RGB"), spot.size)
    canvas = _shade(canvas, spot)
    draw = ImageDraw.Draw(canvas)
    _text(draw, text.headline, spot.headline, bold=True, max_lines=2)
    _text(draw, text.line, spot.line, bold=False, max_lines=2, fill=SOFT)
    if text.energy is not None:
        _energy(draw, text.energy, spot.energy)
    _footer(draw, text, spot.footer)
    canvas.paste(_qr(text.link, spot.qr[2] - spot.qr[0]), spot.qr[:2])
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _fitted(source: Image.Image, size: tuple[int, int]) -> Image.Image:
    width, height = size
    ratio = (source.width / source.height) / (width / height)
    if 1 / CLOSE_ASPECT <= ratio <= CLOSE_ASPECT:
        return _cover(source, size)
    # Too different to crop without losing the subject: the whole image, over a blurred,
    # darkened copy of itself (made small, where blurring is cheap).
    small = _cover(source, (width // 8, height // 8)).filter(ImageFilter.GaussianBlur(radius=3))
    background = small.point(lambda v: int(v * 0.45)).resize(size, Image.Resampling.BILINEAR)
    scale = min(width / source.width, height / source.height)
    inner = _resized(source, (int(source.width * scale), int(source.height * scale)))
    background.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2))
    return background


def _framed(source: Image.Image, spot: Layout) -> Image.Image:
    """The whole image inside the band between the top block and the footer, over a
    blurred, darkened copy of itself."""
    width, height = spot.size
    small = _cover(source, (width // 8, height // 8)).filter(ImageFilter.GaussianBlur(radius=3))
    canvas = small.point(lambda v: int(v * 0.45)).resize(spot.size, Image.Resampling.BILINEAR)
    gap = spot.safe[1] // 2
    top, bottom = spot.line[3] + gap, spot.footer[1] - gap
    band_w, band_h = spot.safe[2] - spot.safe[0], bottom - top
    scale = min(band_w / source.width, band_h / source.height)
    inner = _resized(source, (int(source.width * scale), int(source.height * scale)))
    canvas.paste(inner, ((width - inner.width) // 2, top + (band_h - inner.height) // 2))
    return canvas


def _resized(source: Image.Image, size: tuple[int, int]) -> Image.Image:
    # reducing_gap: shrink by whole factors first (fast), then resample the last step.
    return source.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _cover(source: Image.Image, size: tuple[int, int]) -> Image.Image:
    width, height = size
    scale = max(width / source.width, height / source.height)
    # Crop the source first, then resize only what is kept.
    keep_w, keep_h = (
        min(source.width, round(width / scale)),
        min(source.height, round(height / scale)),
    )
    left, top = (source.width - keep_w) // 2, (source.height - keep_h) // 2
    return _resized(source.crop((left, top, left + keep_w, top + keep_h)), size)


def _shade(canvas: Image.Image, spot: Layout) -> Image.Image:
    """Darkens behind the top block and the footer so white text always reads."""
    black = Image.new("RGB", spot.size, (0, 0, 0))
    return Image.composite(black, canvas, _shade_mask(spot))


@lru_cache(maxsize=8)
def _shade_mask(spot: Layout) -> Image.Image:
    width, height = spot.size
    mask = Image.new("L", (1, 256))
    top_end, bottom_start = spot.energy[3] + spot.safe[1], spot.footer[1] - spot.safe[1]
    for y in range(256):
        at = y * height / 255
        top = max(0.0, 1 - at / max(top_end, 1))
        bottom = max(0.0, (at - bottom_start) / max(height - bottom_start, 1))
        mask.putpixel((0, y), int(170 * min(1.0, max(top, bottom) * 1.3)))
    return mask.resize((width, height), Image.Resampling.BILINEAR)


def _text(
    draw: ImageDraw.ImageDraw,
    text: str,
    box: Box,
    *,
    bold: bool,
    max_lines: int,
    fill: tuple[int, int, int] = WHITE,
) -> None:
    width, height = box[2] - box[0], box[3] - box[1]
    fitted = typeset.fit(
        text,
        (width, height),
        max_size=int(height / max_lines / 1.18),
        min_size=max(12, height // 8),
        max_lines=max_lines,
        bold=bold,
    )
    typeset.draw_lines(draw, fitted, box[:2], fill)


def _energy(draw: ImageDraw.ImageDraw, energy: int, box: Box) -> None:
    step = (box[2] - box[0]) / 10
    radius = min(step * 0.36, (box[3] - box[1]) / 2)
    cy = (box[1] + box[3]) / 2
    for index in range(10):
        cx = box[0] + step * index + step / 2
        on = index < energy
        draw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius),
            fill=WHITE if on else None,
            outline=WHITE,
            width=max(2, int(radius / 4)),
        )


def _footer(draw: ImageDraw.ImageDraw, text: CardText, box: Box) -> None:
    half = (box[3] - box[1]) // 2
    _text(
        draw,
        text.watermark,
        (box[0], box[1] + half // 3, box[2], box[1] + half),
        bold=True,
        max_lines=1,
    )
    _text(
        draw,
        text.date,
        (box[0], box[1] + half, box[2], box[3] - half // 3),
        bold=False,
        max_lines=1,
        fill=SOFT,
    )


def _qr(link: str, size: int) -> Image.Image:
    """A scannable QR code (dark on white, with its quiet zone), exactly `size` pixels."""
    return _qr_modules(link).resize((size, size), Image.Resampling.NEAREST).convert("RGB")


@lru_cache(maxsize=64)
def _qr_modules(link: str) -> Image.Image:
    """One pixel per module, quiet zone included: encoded once per link."""
    code = segno.make(link, error="m", micro=False)
    rows = [[0 if dark else 255 for dark in row] for row in code.matrix_iter(border=2)]
    image = Image.new("L", (len(rows[0]), len(rows)))
    image.putdata([value for row in rows for value in row])
    return image
