"""The in-process queue's jobs (migration 0003): written before a job runs, removed when
it ends; what is left of an incarnation that died is taken over by a live one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.infra.db import Database, Record, Transaction, marks


@dataclass(frozen=True, slots=True)
class StoredJob:
    id: str
    kind: str
    payload: dict[str, Any]
    owner: str
    created_at: float
    deadline: float | None
    """When the work must be done by (its hold's deadline); None: no deadline."""
    reservation_id: int | None = None
    use_id: int | None = None


_COLUMNS = "id, kind, payload, owner, created_at, deadline, reservation_id, use_id"


def _job(row: Record) -> StoredJob:
    return StoredJob(
        id=row[0],
        kind=row[1],
        payload=json.loads(row[2]),
        owner=row[3],
        created_at=row[4],
        deadline=row[5],
        reservation_id=row[6],
        use_id=row[7],
    )


class JobRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, job: StoredJob) -> None:
        await self._db.execute_atomic(
            f"INSERT INTO jobs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job.id,
                job.kind,
                json.dumps(job.payload),
                job.owner,
                job.created_at,
                job.deadline,
                job.reservation_id,
                job.use_id,
            ),
        )

    async def remove(self, job_id: str, tx: Transaction | None = None) -> None:
        sql, params = "DELETE FROM jobs WHERE id = ?", (job_id,)
        if tx is None:
            await self._db.execute_atomic(sql, params)
        else:
            await tx.execute(sql, params)

    @staticmethod
    async def take_out(tx: Transaction, job_id: str) -> StoredJob | None:
        """Removes the job; what it was (None: it was not there)."""
        row = await tx.fetch_one(f"DELETE FROM jobs WHERE id = ? RETURNING {_COLUMNS}", (job_id,))
        return _job(row) if row is not None else None

    async def orphaned(self, live: Sequence[str]) -> list[StoredJob]:
        """Jobs whose owner is not `live`, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM jobs WHERE owner NOT IN ({marks(live)}) ORDER BY created_at",
            tuple(live),
        )
        return [_job(row) for row in rows]

    async def owned_by(self, owner: str) -> list[StoredJob]:
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM jobs WHERE owner = ? ORDER BY created_at", (owner,)
        )
        return [_job(row) for row in rows]

    @staticmethod
    async def take(tx: Transaction, job: StoredJob, owner: str) -> bool:
        """`owner` takes `job` over from its dead owner, in one statement: of two takers,
        only the first finds the dead one still there."""
        row = await tx.fetch_one(
            "UPDATE jobs SET owner = ? WHERE id = ? AND owner = ? RETURNING id",
            (owner, job.id, job.owner),
        )
        return row is not None
