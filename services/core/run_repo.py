"""Runs of the idempotent scheduled jobs: one row per job and period."""

from __future__ import annotations

import time

from services.infra.db import Database


class RunRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ran(self, job: str, period: str) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM job_runs WHERE job = ? AND period = ?", (job, period)
        )
        return row is not None

    async def record_run(self, job: str, period: str, result: str) -> None:
        await self._db.execute_atomic(
            "INSERT INTO job_runs (job, period, result, finished_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            (job, period, result, time.time()),
        )
