"""A picture drawn again at another size: a sketch (services/generation/base.py) that the
local renderer runs off the event loop like any other, so a big resampling waits for the
same render slots (LOCAL_CONCURRENCY) as a painting."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

PNG_COMPRESSION = 3
"""zlib level of the resampled PNG: about as small as the default (6) for pictures,
several times faster to write at 3840 x 2160."""


@dataclass(frozen=True, slots=True)
class Resampled:
    """`png` scaled to cover the size asked for with Lanczos resampling (the best of
    Pillow's filters for enlarging a photograph), then cut to it around its middle: a
    picture of another aspect ratio loses a strip at its edges, never its proportions."""

    png: bytes

    def __call__(self, seed: int, size: tuple[int, int]) -> bytes:
        with Image.open(io.BytesIO(self.png)) as image:
            picture = image.convert("RGB")
        fitted = ImageOps.fit(picture, size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        fitted.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
        return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) of a picture, read from its header."""
    with Image.open(io.BytesIO(png)) as image:
        return image.size
