"""Weekly uses of Cosmic Coach generations: an append-only ledger (see migration v3).
A reservation is one atomic statement that checks the limit; it is settled exactly once,
by a commit (the use stays) or a refund (the use is given back)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from services.core.account_repo import lock_account
from services.core.work_repo import Origin, WorkKind, WorkRepo
from services.infra.db import Database, Transaction

_RESERVE = (
    "INSERT INTO uses (user_id, week, kind, delta, category, idempotency_key, created_at)"
    " SELECT ?, ?, 'reserve', 1, ?, ?, ?"
    " WHERE CAST(? AS INTEGER) IS NULL OR (SELECT COALESCE(SUM(delta), 0) FROM uses"
    "                     WHERE user_id = ? AND week = ?) < ?"
    " ON CONFLICT(idempotency_key) DO NOTHING RETURNING id"
)
_SETTLE = (
    "INSERT INTO uses (user_id, week, kind, delta, reservation_id, category,"
    " idempotency_key, created_at)"
    " SELECT user_id, week, ?, ?, id, category, 'settle:' || id, ? FROM uses"
    " WHERE id = ? AND kind = 'reserve'"
    " ON CONFLICT(idempotency_key) DO NOTHING RETURNING id"
)


@dataclass(frozen=True, slots=True)
class UseReservation:
    id: int
    user_id: int
    week: str
    duplicate: bool = False
    """This key was reserved before (a repeated tap)."""


class UsageRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(
        self,
        user_id: int,
        week: str,
        category: str,
        key: str,
        limit: int | None,
        origin: Origin | None = None,
        again: dict[str, Any] | None = None,
    ) -> UseReservation | None:
        """Holds one use of `week` unless `limit` uses are already held or spent. Returns
        None when the limit is reached; the earlier reservation for a repeated key. With an
        `origin`, where the work reports (and `again`, what restarts it) is remembered in
        the same transaction, for the sweeper."""
        params = (user_id, week, category, key, time.time(), limit, user_id, week, limit)
        if origin is None and self._db.serialises_writes:
            row = await self._db.execute_atomic(_RESERVE, params)
        else:
            async with self._db.transaction() as tx:
                await lock_account(tx, user_id)  # the count and the insert as one
                row = await tx.fetch_one(_RESERVE, params)
                if row is not None and origin is not None:
                    await WorkRepo.remember(tx, WorkKind.USE, row[0], user_id, origin, again or {})
        if row is not None:
            return UseReservation(row[0], user_id, week)
        existing = await self._db.fetch_one(
            "SELECT id FROM uses WHERE idempotency_key = ?", (key,)
        )
        return UseReservation(existing[0], user_id, week, duplicate=True) if existing else None

    async def settle(
        self, reservation: UseReservation, *, keep: bool, tx: Transaction | None = None
    ) -> bool:
        """Commits (keep) or refunds the use; True the first time, False after (whichever
        came first, a commit or a refund, is the only one). Joins `tx` when one is given."""
        params = ("commit" if keep else "refund", 0 if keep else -1, time.time(), reservation.id)
        if tx is None:
            return await self._db.execute_atomic(_SETTLE, params) is not None
        return await tx.fetch_one(_SETTLE, params) is not None

    async def used(self, user_id: int, week: str) -> int:
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(delta), 0) FROM uses WHERE user_id = ? AND week = ?",
            (user_id, week),
        )
        return int(row[0]) if row else 0

    async def unsettled_before(self, cutoff: float, since: float = 0.0) -> list[UseReservation]:
        """Reservations made in [since, cutoff) that have no commit or refund (a crash)."""
        rows = await self._db.fetch_all(
            "SELECT r.id, r.user_id, r.week FROM uses r WHERE r.kind = 'reserve'"
            " AND r.created_at < ? AND r.created_at >= ? AND NOT EXISTS"
            " (SELECT 1 FROM uses s WHERE s.idempotency_key = 'settle:' || r.id) ORDER BY r.id",
            (cutoff, since),
        )
        return [UseReservation(row[0], row[1], row[2]) for row in rows]
