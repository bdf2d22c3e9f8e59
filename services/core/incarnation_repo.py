"""The incarnations of the processes that take work (migration 0003): who they are (role,
host, process id, start) and their last heartbeat; a clean stop is written down too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.infra.db import Database, Record, marks


@dataclass(frozen=True, slots=True)
class Incarnation:
    id: str
    role: str
    """run, web or worker."""
    host: str
    pid: int
    started_at: float
    beat_at: float
    stopped_at: float | None = None


_COLUMNS = "id, role, host, pid, started_at, beat_at, stopped_at"


def _incarnation(row: Record) -> Incarnation:
    return Incarnation(*row)


class IncarnationRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, incarnation: Incarnation) -> None:
        await self._db.execute_atomic(
            f"INSERT INTO incarnations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                incarnation.id,
                incarnation.role,
                incarnation.host,
                incarnation.pid,
                incarnation.started_at,
                incarnation.beat_at,
                incarnation.stopped_at,
            ),
        )

    async def beat(self, incarnation_id: str, now: float) -> bool:
        """Renews the heartbeat; False when the row is gone or marked stopped."""
        row = await self._db.execute_atomic(
            "UPDATE incarnations SET beat_at = ? WHERE id = ? AND stopped_at IS NULL RETURNING id",
            (now, incarnation_id),
        )
        return row is not None

    async def stop(self, incarnation_id: str, now: float) -> None:
        await self._db.execute_atomic(
            "UPDATE incarnations SET stopped_at = ?, beat_at = ? WHERE id = ?",
            (now, now, incarnation_id),
        )

    async def beating_since(self, cutoff: float) -> list[Incarnation]:
        """The incarnations not stopped whose last beat is at `cutoff` or later."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM incarnations"
            " WHERE stopped_at IS NULL AND beat_at >= ? ORDER BY started_at",
            (cutoff,),
        )
        return [_incarnation(row) for row in rows]

    async def get(self, incarnation_id: str) -> Incarnation | None:
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM incarnations WHERE id = ?", (incarnation_id,)
        )
        return _incarnation(row) if row is not None else None

    async def find(self, ids: Sequence[str]) -> list[Incarnation]:
        """The incarnations among `ids` that are known (stopped or not)."""
        if not ids:
            return []
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM incarnations WHERE id IN ({marks(ids)})", tuple(ids)
        )
        return [_incarnation(row) for row in rows]

    async def forget_before(self, cutoff: float) -> int:
        """Drops incarnations whose last beat is older than `cutoff` (work still naming one
        counts as orphaned all the same: an owner nobody knows is no live owner)."""
        rows = await self._db.execute_all(
            "DELETE FROM incarnations WHERE beat_at < ? RETURNING id", (cutoff,)
        )
        return len(rows)
