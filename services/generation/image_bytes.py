"""Checking the bytes an image model sent back: they must decode, and we keep PNG."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, UnidentifiedImageError
from pydantic import ConfigDict, TypeAdapter, ValidationError

from services.generation.base import FailureKind, GenerationError

MAX_PIXELS = 40_000_000
PHOTO_BYTES = 10 * 1024 * 1024 - 64 * 1024
"""Telegram's photo upload limit (10 MB), with room for the multipart envelope."""
PHOTO_SIDES = 10_000
"""Telegram wants width + height <= 10000 for a photo."""


_BASE64 = TypeAdapter(bytes, config=ConfigDict(val_json_bytes="base64"))
"""pydantic-core's base64 decoder: four times as fast as the standard library's on the
megabytes of a picture (what the SDKs' own models used)."""


def from_base64(text: str, model: str) -> bytes:
    """The bytes of `model`'s base64 picture; raises INVALID when it is no base64."""
    try:
        return _BASE64.validate_python(text)
    except ValidationError as error:
        raise GenerationError(FailureKind.INVALID, f"{model}: bad base64") from error


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


async def fit_for_photo(png: bytes) -> tuple[bytes, str]:
    """(bytes, extension) Telegram accepts as a photo: the PNG itself when it fits, else a
    high-quality JPEG (scaled down only if the sides are too long). The original PNG stays
    available as a document."""
    if len(png) <= PHOTO_BYTES and _sides(png) <= PHOTO_SIDES:
        return png, "png"
    return await asyncio.to_thread(_as_jpeg, png), "jpg"


def _sides(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return image.width + image.height


def _as_jpeg(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        picture = image.convert("RGB")
    total = picture.width + picture.height
    if total > PHOTO_SIDES:
        scale = PHOTO_SIDES / total
        picture = picture.resize((int(picture.width * scale), int(picture.height * scale)))
    for quality in (92, 85, 75, 60):
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=quality, optimize=True)
        if buffer.tell() <= PHOTO_BYTES:
            break
    return buffer.getvalue()
