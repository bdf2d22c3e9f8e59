"""A person's images (Cosmic Coach art and studio posts' pictures), always scoped to their
owner: what the gallery (the chat's and the Mini App's), the image buttons and sharing read,
and their files and thumbnails."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.core.categories import Category
from services.core.image_repo import ImageRepo, StoredImage
from services.infra.media import MediaStore
from services.infra.thumbnails import Thumbnails


class GalleryService:
    def __init__(self, images: ImageRepo, media: MediaStore) -> None:
        self._images = images
        self._media = media
        self._thumbnails = Thumbnails(media)

    async def owned(self, user_id: int, image_id: int) -> StoredImage | None:
        """The image, only if `user_id` owns it and has not deleted it."""
        return await self._images.owned(user_id, image_id)

    async def page(
        self, user_id: int, index: int, *, favourites: bool = False
    ) -> tuple[StoredImage | None, int]:
        """The `index`-th image (newest first) and how many there are."""
        return await self._images.page(user_id, index, favourites=favourites)

    async def listing(
        self,
        user_id: int,
        limit: int,
        offset: int,
        *,
        category: Category | None = None,
        favourites: bool = False,
    ) -> tuple[list[StoredImage], int]:
        """A page of the user's images (newest first), of one category or favourites only,
        and how many there are in all (the Mini App's grid)."""
        kind = category.value if category is not None else None
        return await self._images.listing(
            user_id, limit, offset, category=kind, favourites=favourites
        )

    async def still_kept(self, image_id: int) -> StoredImage | None:
        """Anyone's image, while its owner keeps it (the admins' dashboard shows those)."""
        image = await self._images.get(image_id)
        if image is None:
            return None
        return await self._images.owned(image.user_id, image_id)

    async def set_favourite(self, image: StoredImage, favourite: bool) -> bool:
        """True when the image's state changed (it was not already so)."""
        if favourite == image.favourite:
            return False
        return await self._images.set_favourite(image.user_id, image.id, favourite)

    async def delete(self, image: StoredImage) -> bool:
        return await self._images.delete(image.user_id, image.id)

    async def remember_file_id(self, image: StoredImage, file_id: str | None) -> None:
        """Keeps Telegram's id of a just uploaded photo (None: nothing new)."""
        if file_id is not None:
            await self._images.set_file_id(image.id, file_id)

    async def recent_sent(self, user_id: int, limit: int) -> list[StoredImage]:
        """The user's images Telegram already has (a file_id), newest first."""
        return await self._images.recent_sent(user_id, limit, 0)

    def file(self, image: StoredImage) -> Path:
        return self._media.path(image.path)

    async def png(self, image: StoredImage) -> bytes:
        return await asyncio.to_thread(self.file(image).read_bytes)

    async def thumbnail(self, image: StoredImage) -> bytes:
        """A small JPEG of the image, for grids (made on first request, then kept)."""
        return await self._thumbnails.get(image.id, image.path)
