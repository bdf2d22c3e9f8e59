"""Runs of the idempotent scheduled jobs: one row per job and period once it has run
(`job_runs`), and before that its claim (`duty_claims`): who runs it, since when, and its
runner's last beat. A claim is taken with one atomic statement (a unique key, INSERT … ON
CONFLICT), so of two processes that start the same period only one gets it; a claim whose
runner stopped beating (it died) and never finished can be taken over."""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.infra.db import Database


@dataclass(frozen=True, slots=True)
class Claim:
    owner: str
    claimed_at: float
    beat_at: float
    """The owner's last sign of life (Unix seconds)."""
    finished: bool


# New, or taken over from an owner whose last beat is older than the last parameter and
# who never finished it. On PostgreSQL the conflicting row is locked and the WHERE is
# checked again on its newest version, so two takers of one stale claim cannot both win.
_CLAIM = (
    "INSERT INTO duty_claims (job, period, owner, claimed_at, beat_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (job, period) DO UPDATE SET owner = excluded.owner,"
    " claimed_at = excluded.claimed_at, beat_at = excluded.beat_at"
    " WHERE duty_claims.finished_at IS NULL AND duty_claims.beat_at < ?"
    " RETURNING owner"
)


class RunRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ran(self, job: str, period: str) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM job_runs WHERE job = ? AND period = ?", (job, period)
        )
        return row is not None

    async def claim(self, job: str, period: str, owner: str, *, stale_after: float) -> bool:
        """Takes the period for `owner`: True if nobody had claimed it, or its claimant
        never finished and has not beaten for `stale_after` seconds (it is taken over)."""
        now = time.time()
        row = await self._db.execute_atomic(
            _CLAIM, (job, period, owner, now, now, now - stale_after)
        )
        return row is not None

    async def holder(self, job: str, period: str) -> Claim | None:
        row = await self._db.fetch_one(
            "SELECT owner, claimed_at, beat_at, finished_at FROM duty_claims"
            " WHERE job = ? AND period = ?",
            (job, period),
        )
        if row is None:
            return None
        return Claim(str(row[0]), float(row[1]), float(row[2]), row[3] is not None)

    async def beat(self, job: str, period: str, owner: str) -> bool:
        """The owner is alive and still running the period: False if the claim is no
        longer its own (taken over after its beats lapsed)."""
        row = await self._db.execute_atomic(
            "UPDATE duty_claims SET beat_at = ?"
            " WHERE job = ? AND period = ? AND owner = ? AND finished_at IS NULL"
            " RETURNING 1",
            (time.time(), job, period, owner),
        )
        return row is not None

    async def release(self, job: str, period: str, owner: str) -> None:
        """Gives an unfinished claim back (the run failed): the next start may claim it."""
        await self._db.execute_atomic(
            "DELETE FROM duty_claims"
            " WHERE job = ? AND period = ? AND owner = ? AND finished_at IS NULL"
            " RETURNING 1",
            (job, period, owner),
        )

    async def record_run(self, job: str, period: str, result: str) -> None:
        """The period has run: recorded, and its claim (if any) finished, together."""
        now = time.time()
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO job_runs (job, period, result, finished_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (job, period, result, now),
            )
            await tx.execute(
                "UPDATE duty_claims SET finished_at = ?"
                " WHERE job = ? AND period = ? AND finished_at IS NULL",
                (now, job, period),
            )
