"""Accounts: one row per user with its language, PRO, tier, sign, referral link and token
balance; only the ledger (`services.core.ledger_repo`) moves the balance."""

from __future__ import annotations

import time
from typing import Any

from services.core.models import Account
from services.infra.db import Database, Record, Transaction

_ACCOUNT_COLUMNS = (
    "user_id, language, is_pro, allowance, bonus, referral_link, tier, tier_expires_at, sign"
)


def _account(row: Record) -> Account:
    return Account(
        user_id=row["user_id"],
        language=row["language"],
        is_pro=bool(row["is_pro"]),
        allowance=row["allowance"],
        bonus=row["bonus"],
        referral_link=row["referral_link"],
        tier=row["tier"],
        tier_expires_at=row["tier_expires_at"],
        sign=row["sign"],
    )


async def load_account(
    source: Database | Transaction, user_id: int, *, lock: bool = False
) -> Account | None:
    """The account as `source` sees it (inside a transaction: with its changes so far).
    With `lock` (inside a transaction), the row stays locked until it ends: see
    `lock_account`."""
    sql = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE user_id = ?"
    if lock and isinstance(source, Transaction) and source.locks_rows:
        sql += " FOR UPDATE"
    row = await source.fetch_one(sql, (user_id,))
    return _account(row) if row else None


async def lock_account(tx: Transaction, user_id: int) -> None:
    """Serialises the money-like changes of one account (tokens, weekly uses) until `tx`
    ends. PostgreSQL takes the account row's lock (two transactions reading a balance
    before either writes could otherwise both spend it); SQLite already runs one write
    transaction at a time."""
    if tx.locks_rows:
        await tx.execute("SELECT 1 FROM accounts WHERE user_id = ? FOR UPDATE", (user_id,))


class AccountRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Account | None:
        return await load_account(self._db, user_id)

    async def get_or_create(self, user_id: int, language: str) -> tuple[Account, bool]:
        """Returns the account and whether it was created now."""
        existing = await self.get(user_id)
        if existing is not None:
            return existing, False
        async with self._db.transaction() as tx:
            created = await self.ensure(tx, user_id, language)
            account = await load_account(tx, user_id)
        assert account is not None
        return account, created

    async def set_language(self, user_id: int, language: str) -> None:
        await self._update(user_id, "language", language)

    async def set_referral_link(self, user_id: int, link: str | None) -> None:
        await self._update(user_id, "referral_link", link)

    async def set_sign(self, user_id: int, sign: str) -> None:
        await self._update(user_id, "sign", sign)

    async def _update(self, user_id: int, column: str, value: Any) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                f"UPDATE accounts SET {column} = ?, updated_at = ? WHERE user_id = ?",
                (value, time.time(), user_id),
            )

    @staticmethod
    async def ensure(tx: Transaction, user_id: int, language: str) -> bool:
        """Creates the account inside `tx` unless it exists; returns whether it did."""
        now = time.time()
        created = await tx.fetch_one(
            "INSERT INTO accounts (user_id, language, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(user_id) DO NOTHING RETURNING user_id",
            (user_id, language, now, now),
        )
        return created is not None
