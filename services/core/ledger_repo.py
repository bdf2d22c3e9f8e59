"""The append-only token ledger: every balance change is one transaction that updates the
account and appends the ledger entry that explains it; reservations hold tokens while a
generation runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from services.core.account_repo import AccountRepo, load_account, lock_account
from services.core.models import Account, LedgerEntry, LedgerKind, Reservation, ReservationStatus
from services.core.work_repo import Origin, WorkKind, WorkRepo
from services.infra.db import Database, IntegrityError, Record, Transaction, marks

_RESERVATION_COLUMNS = (
    "id, user_id, idempotency_key, allowance_amount, bonus_amount, status, created_at, takeovers"
)
_OWNED_COLUMNS = ", ".join(f"r.{c.strip()}" for c in _RESERVATION_COLUMNS.split(","))
_RESERVE = (
    "INSERT INTO reservations (user_id, idempotency_key, allowance_amount, bonus_amount,"
    " status, reason, created_at, owner)"
    " SELECT user_id, ?, CASE WHEN allowance < ? THEN allowance ELSE ? END,"
    " ? - CASE WHEN allowance < ? THEN allowance ELSE ? END, 'held', ?, ?, ?"
    " FROM accounts WHERE user_id = ? AND allowance + bonus >= ?"
    f" ON CONFLICT(idempotency_key) DO NOTHING RETURNING {_RESERVATION_COLUMNS}"
)


class InsufficientTokensError(Exception):
    """The balance cannot cover the change."""


def _reservation(row: Record) -> Reservation:
    return Reservation(
        id=row["id"],
        user_id=row["user_id"],
        idempotency_key=row["idempotency_key"],
        allowance_amount=row["allowance_amount"],
        bonus_amount=row["bonus_amount"],
        status=ReservationStatus(row["status"]),
        created_at=row["created_at"],
        takeovers=row["takeovers"],
    )


class LedgerRepo:
    """Atomic balance operations. Idempotency keys make every operation safe to repeat."""

    def __init__(self, db: Database, holder: Callable[[], str | None] = lambda: None) -> None:
        self._db = db
        self._holder = holder
        """The incarnation that owns a hold made now (services/core/owners.py `holder`)."""

    async def reserve(
        self,
        user_id: int,
        amount: int,
        key: str,
        reason: str,
        origin: Origin | None = None,
        again: dict[str, Any] | None = None,
    ) -> tuple[Reservation, bool] | None:
        """Hold `amount` tokens (allowance first). Returns (reservation, created_now), the
        existing reservation for a repeated key, or None when the balance is too low. With
        an `origin`, where the work reports (and `again`, what restarts it) is remembered
        in the same transaction, for the sweeper."""
        # One atomic statement: the balance check, the key check and the split (allowance
        # first, then bonus) happen together, and the `reservation_holds` trigger appends
        # the ledger entry that moves the balance. A race can neither overdraw nor reserve
        # twice.
        params = (key, *[amount] * 5, reason, time.time(), self._holder(), user_id, amount)
        if origin is None and self._db.serialises_writes:
            row = await self._db.execute_atomic(_RESERVE, params)
        else:
            async with self._db.transaction() as tx:
                await lock_account(tx, user_id)
                row = await tx.fetch_one(_RESERVE, params)
                if row is not None and origin is not None:
                    await WorkRepo.remember(
                        tx, WorkKind.TOKENS, row["id"], user_id, origin, again or {}
                    )
        if row is not None:
            return _reservation(row), True
        existing = await self._db.fetch_one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE idempotency_key = ?", (key,)
        )
        return (_reservation(existing), False) if existing else None

    async def settle(
        self, reservation_id: int, status: ReservationStatus, tx: Transaction | None = None
    ) -> int | None:
        """Commit or refund a held reservation. Returns the balance after it, or None when it
        was settled before (so a refund happens once). Joins `tx` when one is given."""
        if tx is None:
            async with self._db.transaction() as own:
                return await self.settle(reservation_id, status, own)
        row = await tx.fetch_one(
            "UPDATE reservations SET status = ?, settled_at = ? WHERE id = ? AND status = 'held'"
            " RETURNING user_id, allowance_amount, bonus_amount",
            (status.value, time.time(), reservation_id),
        )
        if row is None:
            return None
        user_id, allowance, bonus = row
        if status is ReservationStatus.REFUNDED:
            kind = LedgerKind.REFUND
        else:
            kind, allowance, bonus = LedgerKind.COMMIT, 0, 0
        return await self._apply(
            tx, user_id, kind, allowance, bonus, reason=kind.value, reservation_id=reservation_id
        )

    async def change(
        self,
        user_id: int,
        kind: LedgerKind,
        *,
        bonus_delta: int = 0,
        set_allowance: int | None = None,
        set_pro: bool | None = None,
        set_tier: tuple[str, float | None] | None = None,
        key: str | None = None,
        actor_id: int | None = None,
        reason: str = "",
        create_language: str = "en",
    ) -> Account | None:
        """Grant/take bonus tokens, reset the allowance, switch PRO or set the tier (name,
        expiry), in one entry.

        A negative bonus_delta takes from the bonus first, then from the allowance.
        Returns None when `key` was already used (nothing changes). Raises
        InsufficientTokensError when the balance would go below zero.
        """
        async with self._db.transaction() as tx:
            if key and await tx.fetch_one(
                "SELECT 1 FROM ledger WHERE idempotency_key = ?", (key,)
            ):
                return None
            await AccountRepo.ensure(tx, user_id, create_language)
            account = await load_account(tx, user_id, lock=True)
            assert account is not None
            allowance_delta, bonus_delta = _deltas(account, bonus_delta, set_allowance)
            await _set_plan(tx, user_id, set_pro, set_tier)
            await self._apply(
                tx,
                user_id,
                kind,
                allowance_delta,
                bonus_delta,
                reason=reason,
                actor_id=actor_id,
                key=key,
            )
            return await load_account(tx, user_id)

    async def held(self, reservation_id: int) -> Reservation | None:
        row = await self._db.fetch_one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE id = ? AND status = 'held'",
            (reservation_id,),
        )
        return _reservation(row) if row is not None else None

    async def held_before(self, cutoff: float) -> list[Reservation]:
        """Holds made before `cutoff` that no incarnation owns (made before owners were
        recorded, or queued on Redis and never started): age is all that tells of them."""
        rows = await self._db.fetch_all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations"
            " WHERE status = 'held' AND owner IS NULL AND created_at < ? ORDER BY id",
            (cutoff,),
        )
        return [_reservation(row) for row in rows]

    async def orphaned(self, live: Sequence[str], silent_since: float) -> list[Reservation]:
        """Holds whose owner is not `live` and has not beaten since `silent_since`, and
        which no job of the in-process queue is left to resume."""
        rows = await self._db.fetch_all(
            f"SELECT {_OWNED_COLUMNS} FROM reservations r"
            " LEFT JOIN incarnations i ON i.id = r.owner"
            f" WHERE r.status = 'held' AND r.owner IS NOT NULL AND r.owner NOT IN ({marks(live)})"
            " AND COALESCE(i.beat_at, 0) < ?"
            " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.reservation_id = r.id) ORDER BY r.id",
            (*live, silent_since),
        )
        return [_reservation(row) for row in rows]

    @staticmethod
    async def adopt(tx: Transaction, reservation_id: int, owner: str, live: Sequence[str]) -> bool:
        """`owner` takes the hold over, in one statement: when it has no owner, is
        `owner`'s already, or its owner is not `live` (two takers never both win: the first
        one's id is live for the second). False when it is settled or a live run owns it.
        Taken from another (dead) owner, its `takeovers` count goes up."""
        row = await tx.fetch_one(
            "UPDATE reservations SET owner = ?,"
            " takeovers = takeovers + CASE WHEN owner IS NULL OR owner = ? THEN 0 ELSE 1 END"
            " WHERE id = ? AND status = 'held'"
            f" AND (owner IS NULL OR owner = ? OR owner NOT IN ({marks(live)})) RETURNING id",
            (owner, owner, reservation_id, owner, *live),
        )
        return row is not None

    @staticmethod
    async def disown(tx: Transaction, reservation_id: int, owner: str) -> None:
        """`owner` lets go of the open hold (its job ended without settling it): it is
        left to the age-based sweep."""
        await tx.execute(
            "UPDATE reservations SET owner = NULL WHERE id = ? AND owner = ? AND status = 'held'",
            (reservation_id, owner),
        )

    async def owner_of(self, reservation_id: int) -> str | None:
        row = await self._db.fetch_one(
            "SELECT owner FROM reservations WHERE id = ?", (reservation_id,)
        )
        return row[0] if row else None

    async def pro_user_ids(self) -> list[int]:
        rows = await self._db.fetch_all("SELECT user_id FROM accounts WHERE is_pro = 1")
        return [row[0] for row in rows]

    async def entries(self, user_id: int) -> list[LedgerEntry]:
        rows = await self._db.fetch_all(
            "SELECT id, user_id, kind, allowance_delta, bonus_delta, balance_after, reason,"
            " actor_id, created_at FROM ledger WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [
            LedgerEntry(
                id=row["id"],
                user_id=row["user_id"],
                kind=LedgerKind(row["kind"]),
                allowance_delta=row["allowance_delta"],
                bonus_delta=row["bonus_delta"],
                balance_after=row["balance_after"],
                reason=row["reason"],
                actor_id=row["actor_id"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    @staticmethod
    async def _apply(
        tx: Transaction,
        user_id: int,
        kind: LedgerKind,
        allowance_delta: int,
        bonus_delta: int,
        *,
        reason: str,
        reservation_id: int | None = None,
        actor_id: int | None = None,
        key: str | None = None,
    ) -> int:
        """Appends a ledger entry; the `ledger_applies` trigger moves the balance with it in
        the same statement, and the accounts' CHECKs refuse to go below zero. Returns the
        balance after the entry."""
        # balance_after is read from the row the entry changes: it must not move meanwhile.
        before = await load_account(tx, user_id, lock=True) if tx.locks_rows else None
        try:
            row = await tx.fetch_one(
                "INSERT INTO ledger (user_id, kind, allowance_delta, bonus_delta, balance_after,"
                " reservation_id, actor_id, reason, idempotency_key, created_at)"
                " SELECT user_id, ?, ?, ?, allowance + bonus + ?, ?, ?, ?, ?, ?"
                " FROM accounts WHERE user_id = ? RETURNING balance_after",
                (
                    kind.value,
                    allowance_delta,
                    bonus_delta,
                    allowance_delta + bonus_delta,
                    reservation_id,
                    actor_id,
                    reason,
                    key,
                    time.time(),
                    user_id,
                ),
            )
        except IntegrityError as error:
            if "check" not in str(error).lower():
                raise
            # (On PostgreSQL the failed statement ended the transaction: no reads after it.)
            current = before or await load_account(tx, user_id)
            raise InsufficientTokensError(current.balance if current else 0) from error
        if row is None:
            raise InsufficientTokensError(0)
        return int(row[0])


def _deltas(account: Account, bonus_delta: int, set_allowance: int | None) -> tuple[int, int]:
    """(allowance, bonus) changes: a negative bonus_delta takes from the bonus first, then
    from the allowance. Raises InsufficientTokensError below a zero balance."""
    allowance_delta = 0 if set_allowance is None else set_allowance - account.allowance
    if bonus_delta >= 0:
        return allowance_delta, bonus_delta
    take = -bonus_delta
    if take > account.balance + allowance_delta:
        raise InsufficientTokensError(account.balance)
    from_bonus = min(account.bonus, take)
    return allowance_delta - (take - from_bonus), -from_bonus


async def _set_plan(
    tx: Transaction, user_id: int, pro: bool | None, tier: tuple[str, float | None] | None
) -> None:
    if pro is not None:
        await tx.execute("UPDATE accounts SET is_pro = ? WHERE user_id = ?", (int(pro), user_id))
    if tier is not None:
        await tx.execute(
            "UPDATE accounts SET tier = ?, tier_expires_at = ? WHERE user_id = ?",
            (*tier, user_id),
        )
