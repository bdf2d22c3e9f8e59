"""Typesetting with the bundled DejaVu fonts: word wrapping and shrink-to-fit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

FONTS_DIR = Path(__file__).parent / "fonts"


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS_DIR / name), size)


def text_width(text: str, face: ImageFont.FreeTypeFont) -> float:
    return face.getlength(text)


def _split_long_word(word: str, face: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and text_width(current + char, face) > max_width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Breaks `text` into lines no wider than `max_width`, between words where possible."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, face) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            if text_width(word, face) <= max_width:
                current = word
            else:
                *full, current = _split_long_word(word, face, max_width)
                lines.extend(full)
        lines.append(current)
    return [line for line in lines if line] or [""]


@dataclass(frozen=True, slots=True)
class FittedText:
    face: ImageFont.FreeTypeFont
    lines: list[str]
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def fit(
    text: str,
    box: tuple[int, int],
    *,
    max_size: int,
    min_size: int = 12,
    max_lines: int = 3,
    bold: bool = False,
    line_spacing: float = 1.18,
) -> FittedText:
    """The largest font size at which `text` fits in `box` within `max_lines`.

    At the minimum size, lines beyond `max_lines` are dropped and the last kept line ends
    with an ellipsis, so the text never overflows its box.
    """
    max_width, max_height = box
    size = max_size
    while True:
        face = font(size, bold)
        lines = wrap(text, face, max_width)
        line_height = int(size * line_spacing)
        if (len(lines) <= max_lines and line_height * len(lines) <= max_height) or (
            size <= min_size
        ):
            break
        size = max(min_size, int(size * 0.9))
    fitting = max(1, min(max_lines, max_height // max(line_height, 1)))
    if len(lines) > fitting:
        lines = lines[:fitting]
        last = lines[-1]
        while last and text_width(last + "…", face) > max_width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return FittedText(face=face, lines=lines, line_height=line_height)


def draw_lines(
    draw: ImageDraw.ImageDraw,
    fitted: FittedText,
    origin: tuple[int, int],
    fill: tuple[int, int, int],
    *,
    shadow: tuple[int, int, int] | None = (0, 0, 0),
    align_width: int | None = None,
) -> None:
    """Draws fitted lines from `origin` (top-left); centred when `align_width` is given."""
    x, y = origin
    offset = max(2, fitted.face.size // 24)
    for line in fitted.lines:
        line_x = x
        if align_width is not None:
            line_x = x + int((align_width - text_width(line, fitted.face)) / 2)
        if shadow is not None:
            draw.text((line_x + offset, y + offset), line, font=fitted.face, fill=shadow)
        draw.text((line_x, y), line, font=fitted.face, fill=fill)
        y += fitted.line_height
