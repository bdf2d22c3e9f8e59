"""Every provider call is recorded (user, kind, model, prompt, duration, status, cost)."""

from __future__ import annotations

import time

from services.core.events import observer
from services.core.models import GenerationRecord
from services.infra.db import Transaction


class GenerationRepo:
    @staticmethod
    async def insert_all(tx: Transaction, records: list[GenerationRecord]) -> None:
        """All records in one statement (one round trip to the database thread)."""
        if not records:
            return
        now = time.time()
        rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(records))
        params = [
            value
            for r in records
            for value in (
                r.user_id,
                r.post_id,
                r.kind,
                r.provider,
                r.model,
                r.prompt,
                r.status,
                r.error,
                r.duration_ms,
                r.cost_usd,
                r.input_tokens,
                r.output_tokens,
                r.image_path,
                now,
            )
        ]
        await tx.execute(
            "INSERT INTO generations (user_id, post_id, kind, provider, model, prompt, status,"
            " error, duration_ms, cost_usd, input_tokens, output_tokens, image_path,"
            f" created_at) VALUES {rows}",
            params,
        )
        tx.after_commit(lambda: _observe(records))


def _observe(records: list[GenerationRecord]) -> None:
    watching = observer()
    for record in records:
        watching.generation(record)
