"""Studio posts and the record of every provider call (for cost and usage reports)."""

from __future__ import annotations

import json
import time

from services.models import GenerationRecord, StoredPost
from services.storage.db import Database

_POST_COLUMNS = (
    "id, user_id, post_type, audience, language, referral_link, status, title, body,"
    " hashtags, image_path"
)


class PostRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_pending(
        self,
        user_id: int,
        reservation_id: int,
        post_type: str,
        audience: str,
        language: str,
        referral_link: str | None,
    ) -> int:
        async with self._db.transaction() as tx:
            return await tx.insert(
                "INSERT INTO posts (user_id, reservation_id, post_type, audience, language,"
                " referral_link, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                (user_id, reservation_id, post_type, audience, language, referral_link,
                 time.time()),
            )  # fmt: skip

    async def finish(
        self, post_id: int, title: str, body: str, hashtags: tuple[str, ...], image_path: str
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE posts SET status = 'done', title = ?, body = ?, hashtags = ?,"
                " image_path = ?, finished_at = ? WHERE id = ?",
                (title, body, json.dumps(hashtags, ensure_ascii=False), image_path,
                 time.time(), post_id),
            )  # fmt: skip

    async def fail(self, post_id: int, error: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE posts SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
                (error, time.time(), post_id),
            )

    async def get(self, post_id: int) -> StoredPost | None:
        row = await self._db.fetch_one(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)
        )
        if row is None:
            return None
        return StoredPost(
            id=row["id"], user_id=row["user_id"], post_type=row["post_type"],
            audience=row["audience"], language=row["language"],
            referral_link=row["referral_link"], status=row["status"], title=row["title"],
            body=row["body"], hashtags=tuple(json.loads(row["hashtags"] or "[]")),
            image_path=row["image_path"],
        )  # fmt: skip

    async def record_generation(self, record: GenerationRecord) -> int:
        async with self._db.transaction() as tx:
            return await tx.insert(
                "INSERT INTO generations (user_id, post_id, kind, provider, model, prompt, status,"
                " error, duration_ms, cost_usd, input_tokens, output_tokens, image_path,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.user_id, record.post_id, record.kind, record.provider, record.model,
                 record.prompt, record.status, record.error, record.duration_ms,
                 record.cost_usd, record.input_tokens, record.output_tokens, record.image_path,
                 time.time()),
            )  # fmt: skip

    async def generations_for_post(self, post_id: int) -> list[GenerationRecord]:
        rows = await self._db.fetch_all(
            "SELECT user_id, post_id, kind, provider, model, prompt, status, error, duration_ms,"
            " cost_usd, input_tokens, output_tokens, image_path FROM generations"
            " WHERE post_id = ? ORDER BY id",
            (post_id,),
        )
        return [GenerationRecord(**dict(row)) for row in rows]
