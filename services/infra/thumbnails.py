"""Small JPEG copies of images, for grids (the gallery, the post history, the dashboard):
made on first request from the original and kept on disk under MEDIA_DIR/thumbs, where the
media clean-up removes them after a few days (the next request makes one again)."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from services.infra.media import MediaStore

WIDTH = 384
"""Pixels: a third of a 360 px phone screen at 3× density, or a grid cell at 1×."""
QUALITY = 82


def thumbnail_of(png: bytes, width: int = WIDTH) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB")
        small.thumbnail((width, width * 4))  # keeps the aspect ratio; never enlarges
        out = io.BytesIO()
        small.save(out, "JPEG", quality=QUALITY, optimize=True)
        return out.getvalue()


class Thumbnails:
    def __init__(self, media: MediaStore) -> None:
        self._media = media

    async def get(self, image_id: int, original: str) -> bytes:
        """The thumbnail of image `image_id`, whose file is `original` (relative)."""
        path = self._media.path(f"thumbs/{image_id}.jpg")
        if path.exists():
            return await asyncio.to_thread(path.read_bytes)
        png = await asyncio.to_thread(self._media.path(original).read_bytes)
        data = await asyncio.to_thread(thumbnail_of, png)
        await self._media.save(f"thumbs/{image_id}.jpg", data)
        return data
