"""Images: one row per picture a user received (Cosmic Coach art, shared dailies included,
and studio posts' pictures), with its typed parameters and what made it; the gallery reads
them, always scoped to their owner."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from services.core.categories import Category, Params, dump_params, parse_params
from services.infra.db import Database, Record, Transaction

_COLUMNS = (
    "id, user_id, category, params, prompt, provider, model, quality, cost_usd, path, caption,"
    " shared, favourite, created_at, file_id, post_id"
)


@dataclass(frozen=True, slots=True)
class StoredImage:
    id: int
    user_id: int
    params: Params
    prompt: str
    provider: str
    model: str
    quality: str
    cost_usd: float
    path: str
    caption: str
    shared: bool
    favourite: bool
    created_at: float
    file_id: str | None = None
    """Telegram's id of the photo once sent (inline sharing reuses it)."""
    post_id: int | None = None
    """The studio post this image belongs to."""

    @property
    def category(self) -> Category:
        return self.params.category


@dataclass(frozen=True, slots=True)
class NewImage:
    user_id: int
    params: Params
    prompt: str
    provider: str
    model: str
    quality: str
    cost_usd: float
    path: str
    caption: str = ""
    shared: bool = False
    file_id: str | None = None
    post_id: int | None = None

    @property
    def category(self) -> Category:
        return self.params.category


def _image(row: Record) -> StoredImage:
    return StoredImage(
        id=row["id"],
        user_id=row["user_id"],
        params=parse_params(row["category"], json.loads(row["params"])),
        prompt=row["prompt"],
        provider=row["provider"],
        model=row["model"],
        quality=row["quality"],
        cost_usd=row["cost_usd"],
        path=row["path"],
        caption=row["caption"],
        shared=bool(row["shared"]),
        favourite=bool(row["favourite"]),
        created_at=row["created_at"],
        file_id=row["file_id"],
        post_id=row["post_id"],
    )


class ImageRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def insert(tx: Transaction, image: NewImage) -> StoredImage:
        row = await tx.fetch_one(
            "INSERT INTO images (user_id, category, params, prompt, provider, model, quality,"
            " cost_usd, path, caption, shared, file_id, post_id, created_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            (
                image.user_id,
                image.category.value,
                json.dumps(dump_params(image.params), ensure_ascii=False),
                image.prompt,
                image.provider,
                image.model,
                image.quality,
                image.cost_usd,
                image.path,
                image.caption,
                int(image.shared),
                image.file_id,
                image.post_id,
                time.time(),
            ),
        )
        assert row is not None
        return _image(row)

    async def owned(self, user_id: int, image_id: int) -> StoredImage | None:
        """The image, only if `user_id` owns it and has not deleted it."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM images WHERE id = ? AND user_id = ? AND deleted_at IS NULL",
            (image_id, user_id),
        )
        return _image(row) if row else None

    async def page(
        self, user_id: int, index: int, *, favourites: bool = False
    ) -> tuple[StoredImage | None, int]:
        """The `index`-th image (newest first) and how many there are."""
        where = "user_id = ? AND deleted_at IS NULL" + (" AND favourite = 1" if favourites else "")
        total_row = await self._db.fetch_one(
            f"SELECT COUNT(*) FROM images WHERE {where}", (user_id,)
        )
        total = int(total_row[0]) if total_row else 0
        if total == 0:
            return None, 0
        index = max(0, min(index, total - 1))
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM images WHERE {where} ORDER BY id DESC LIMIT 1 OFFSET ?",
            (user_id, index),
        )
        return (_image(row) if row else None), total

    async def listing(
        self,
        user_id: int,
        limit: int,
        offset: int,
        *,
        category: str | None = None,
        favourites: bool = False,
    ) -> tuple[list[StoredImage], int]:
        """A page of the user's images (newest first), of one category or favourites only,
        and how many there are in all."""
        where = "user_id = ? AND deleted_at IS NULL" + (" AND favourite = 1" if favourites else "")
        args: tuple[object, ...] = (user_id,)
        if category is not None:
            where += " AND category = ?"
            args += (category,)
        total_row = await self._db.fetch_one(f"SELECT COUNT(*) FROM images WHERE {where}", args)
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM images WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return [_image(row) for row in rows], int(total_row[0]) if total_row else 0

    async def set_favourite(self, user_id: int, image_id: int, favourite: bool) -> bool:
        row = await self._db.execute_atomic(
            "UPDATE images SET favourite = ? WHERE id = ? AND user_id = ? AND deleted_at IS NULL"
            " RETURNING id",
            (int(favourite), image_id, user_id),
        )
        return row is not None

    async def delete(self, user_id: int, image_id: int) -> bool:
        row = await self._db.execute_atomic(
            "UPDATE images SET deleted_at = ? WHERE id = ? AND user_id = ? AND deleted_at IS NULL"
            " RETURNING id",
            (time.time(), image_id, user_id),
        )
        return row is not None

    async def set_file_id(self, image_id: int, file_id: str) -> None:
        await self._db.execute_atomic(
            "UPDATE images SET file_id = ? WHERE id = ? RETURNING id", (file_id, image_id)
        )

    async def for_post(self, user_id: int, post_id: int) -> StoredImage | None:
        """The picture the post was made with (its edits come after it)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM images WHERE post_id = ? AND user_id = ?"
            " AND deleted_at IS NULL ORDER BY id LIMIT 1",
            (post_id, user_id),
        )
        return _image(row) if row else None

    async def latest_for_post(self, user_id: int, post_id: int) -> StoredImage | None:
        """The post's newest picture: its last edit, or the one it was made with."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM images WHERE post_id = ? AND user_id = ?"
            " AND deleted_at IS NULL ORDER BY id DESC LIMIT 1",
            (post_id, user_id),
        )
        return _image(row) if row else None

    async def make_post_picture(self, user_id: int, post_id: int, image_id: int) -> bool:
        """`image_id` (one of `user_id`'s studio images, not deleted) becomes the picture of
        their post `post_id` in place of the one it had; False when either is not theirs."""
        async with self._db.transaction() as tx:
            chosen = await tx.fetch_one(
                "SELECT id FROM images WHERE id = ? AND user_id = ? AND category = 'studio'"
                " AND deleted_at IS NULL",
                (image_id, user_id),
            )
            post = await tx.fetch_one(
                "SELECT id FROM posts WHERE id = ? AND user_id = ? AND status = 'done'",
                (post_id, user_id),
            )
            if chosen is None or post is None:
                return False
            await tx.execute(
                "UPDATE images SET post_id = NULL WHERE post_id = ? AND user_id = ?",
                (post_id, user_id),
            )
            await tx.execute("UPDATE images SET post_id = ? WHERE id = ?", (post_id, image_id))
        return True

    async def recent_sent(self, user_id: int, limit: int, offset: int) -> list[StoredImage]:
        """The user's images Telegram already has (a file_id), newest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM images WHERE user_id = ? AND deleted_at IS NULL"
            " AND file_id IS NOT NULL ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [_image(row) for row in rows]

    async def get(self, image_id: int) -> StoredImage | None:
        """Any image (for admins' notices and analytics), deleted or not."""
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM images WHERE id = ?", (image_id,))
        return _image(row) if row else None

    async def insert_all(self, images: list[NewImage]) -> None:
        """Stores these images in one transaction."""
        async with self._db.transaction() as tx:
            for image in images:
                await ImageRepo.insert(tx, image)

    async def paths(self) -> set[str]:
        """The files of every image, deleted ones included (relative to the media dir)."""
        return {row[0] for row in await self._db.fetch_all("SELECT path FROM images")}
