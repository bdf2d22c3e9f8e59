"""Weekly uses of Cosmic Coach generations: an append-only ledger (see migration v3).
A reservation is one atomic statement that checks the limit; it is settled exactly once,
by a commit (the use stays) or a refund (the use is given back)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.core.account_repo import lock_account
from services.core.work_repo import Origin, WorkKind, WorkRepo
from services.infra.db import Database, Transaction, marks

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
    def __init__(self, db: Database, holder: Callable[[], str | None] = lambda: None) -> None:
        self._db = db
        self._holder = holder
        """The incarnation that owns a use held now (services/core/owners.py `holder`);
        uses are append-only, so the owner of each use still held is in `use_owners`."""

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
        owner = self._holder()
        if origin is None and owner is None and self._db.serialises_writes:
            row = await self._db.execute_atomic(_RESERVE, params)
        else:
            async with self._db.transaction() as tx:
                await lock_account(tx, user_id)  # the count and the insert as one
                row = await tx.fetch_one(_RESERVE, params)
                if row is not None and origin is not None:
                    await WorkRepo.remember(tx, WorkKind.USE, row[0], user_id, origin, again or {})
                if row is not None and owner is not None:
                    await tx.execute(
                        "INSERT INTO use_owners (use_id, owner) VALUES (?, ?)", (row[0], owner)
                    )
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
            async with self._db.transaction() as own:
                return await self.settle(reservation, keep=keep, tx=own)
        if await tx.fetch_one(_SETTLE, params) is None:
            return False
        await tx.execute("DELETE FROM use_owners WHERE use_id = ?", (reservation.id,))
        return True

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

    @staticmethod
    async def disown(tx: Transaction, use_id: int, owner: str) -> None:
        """`owner` lets go of the use (its job ended without settling it): it is left to
        the age-based sweep."""
        await tx.execute("DELETE FROM use_owners WHERE use_id = ? AND owner = ?", (use_id, owner))

    async def held_use(self, use_id: int) -> UseReservation | None:
        """The use, while it is still held (neither kept nor given back)."""
        row = await self._db.fetch_one(
            "SELECT r.id, r.user_id, r.week FROM uses r WHERE r.id = ? AND r.kind = 'reserve'"
            " AND NOT EXISTS (SELECT 1 FROM uses s WHERE s.idempotency_key = 'settle:' || r.id)",
            (use_id,),
        )
        return UseReservation(row[0], row[1], row[2]) if row else None

    async def unowned_before(self, cutoff: float, since: float = 0.0) -> list[UseReservation]:
        """`unsettled_before`, of the uses no incarnation owns (held before owners were
        recorded, or queued on Redis and never started): age is all that tells of them."""
        rows = await self._db.fetch_all(
            "SELECT r.id, r.user_id, r.week FROM uses r WHERE r.kind = 'reserve'"
            " AND r.created_at < ? AND r.created_at >= ? AND NOT EXISTS"
            " (SELECT 1 FROM uses s WHERE s.idempotency_key = 'settle:' || r.id)"
            " AND NOT EXISTS (SELECT 1 FROM use_owners o WHERE o.use_id = r.id) ORDER BY r.id",
            (cutoff, since),
        )
        return [UseReservation(row[0], row[1], row[2]) for row in rows]

    async def orphaned(self, live: Sequence[str], silent_since: float) -> list[UseReservation]:
        """Uses still held whose owner is not `live` and has not beaten since
        `silent_since`, and which no job of the in-process queue is left to resume."""
        rows = await self._db.fetch_all(
            "SELECT r.id, r.user_id, r.week FROM use_owners o JOIN uses r ON r.id = o.use_id"
            " LEFT JOIN incarnations i ON i.id = o.owner"
            f" WHERE o.owner NOT IN ({marks(live)}) AND COALESCE(i.beat_at, 0) < ?"
            " AND NOT EXISTS (SELECT 1 FROM uses s WHERE s.idempotency_key = 'settle:' || r.id)"
            " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.use_id = r.id) ORDER BY r.id",
            (*live, silent_since),
        )
        return [UseReservation(row[0], row[1], row[2]) for row in rows]

    @staticmethod
    async def adopt(tx: Transaction, use_id: int, owner: str, live: Sequence[str]) -> bool:
        """`owner` takes the use over (as LedgerRepo.adopt): when nobody owns it yet, it is
        `owner`'s already, or its owner is not `live`. False when a live run owns it or it
        was settled."""
        settled = await tx.fetch_one(
            "SELECT 1 FROM uses WHERE idempotency_key = ?", (f"settle:{use_id}",)
        )
        if settled is not None:
            return False
        row = await tx.fetch_one(
            "INSERT INTO use_owners (use_id, owner) VALUES (?, ?) ON CONFLICT (use_id)"
            " DO UPDATE SET owner = excluded.owner WHERE use_owners.owner = ?"
            f" OR use_owners.owner NOT IN ({marks(live)}) RETURNING use_id",
            (use_id, owner, owner, *live),
        )
        return row is not None
