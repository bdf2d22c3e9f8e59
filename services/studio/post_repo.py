"""Studio posts and the record of every provider call (for cost and usage reports)."""

from __future__ import annotations

import json
import time
from dataclasses import replace

from services.core.models import GenerationRecord
from services.generation.generation_repo import GenerationRepo
from services.infra.db import Database, Transaction
from services.studio.models import NewPost, StoredPost

_POST_COLUMNS = (
    "id, user_id, post_type, audience, language, referral_link, status, title, body,"
    " hashtags, image_path"
)


class PostRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def save(tx: Transaction, post: NewPost, records: list[GenerationRecord]) -> int:
        """Stores a finished (done or failed) post with its provider calls, inside `tx`.
        The post's id is its reservation's id, so it can be shown before it is stored."""
        now = time.time()
        post_id = await tx.insert(
            "INSERT INTO posts (id, user_id, reservation_id, post_type, audience, language,"
            " referral_link, status, title, body, hashtags, image_path, error, created_at,"
            " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                post.reservation_id,
                post.user_id,
                post.reservation_id,
                post.post_type,
                post.audience,
                post.language,
                post.referral_link,
                post.status,
                post.title,
                post.body,
                json.dumps(post.hashtags, ensure_ascii=False),
                post.image_path,
                post.error,
                post.started_at,
                now,
            ),
        )
        await GenerationRepo.insert_all(tx, [replace(r, post_id=post_id) for r in records])
        return post_id

    async def get(self, post_id: int) -> StoredPost | None:
        row = await self._db.fetch_one(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE id = ?", (post_id,)
        )
        if row is None:
            return None
        return StoredPost(
            id=row["id"],
            user_id=row["user_id"],
            post_type=row["post_type"],
            audience=row["audience"],
            language=row["language"],
            referral_link=row["referral_link"],
            status=row["status"],
            title=row["title"],
            body=row["body"],
            hashtags=tuple(json.loads(row["hashtags"] or "[]")),
            image_path=row["image_path"],
        )

    async def recent_ids(self, user_id: int, limit: int, offset: int) -> list[int]:
        """The ids of the user's finished posts, newest first."""
        rows = await self._db.fetch_all(
            "SELECT id FROM posts WHERE user_id = ? AND status = 'done'"
            " ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [int(row[0]) for row in rows]

    async def generations_for_post(self, post_id: int) -> list[GenerationRecord]:
        rows = await self._db.fetch_all(
            "SELECT user_id, post_id, kind, provider, model, prompt, status, error, duration_ms,"
            " cost_usd, input_tokens, output_tokens, image_path FROM generations"
            " WHERE post_id = ? ORDER BY id",
            (post_id,),
        )
        return [GenerationRecord(**dict(row)) for row in rows]
