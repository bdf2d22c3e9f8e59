"""Checking the bytes an image model sent back: they must decode, and we keep PNG."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, UnidentifiedImageError

from services.generation.base import FailureKind, GenerationError

MAX_PIXELS = 40_000_000


async def as_png(data: bytes) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height) of an image in any format Pillow reads; raises INVALID
    for anything else. Decoding runs off the event loop."""
    return await asyncio.to_thread(_as_png, data)


def _as_png(data: bytes) -> tuple[bytes, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise GenerationError(FailureKind.INVALID, f"image too large: {width}x{height}")
            if image.format == "PNG":
                image.verify()
                return data, width, height
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="PNG")
            return buffer.getvalue(), width, height
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise GenerationError(FailureKind.INVALID, f"not an image: {error}") from error
