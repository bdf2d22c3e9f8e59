"""The record of Telegram Stars payments: one row per charge, written after its credit (see
services/core/payments.py), marked when refunded."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from services.infra.db import Database


class Product(StrEnum):
    COSMIC = "cosmic30"
    UNIVERSE = "universe30"
    TOKENS = "tokens"


@dataclass(frozen=True, slots=True)
class Payment:
    charge_id: str
    user_id: int
    product: Product
    amount: int
    status: str


@dataclass(frozen=True, slots=True)
class Charge:
    """A successful payment as Telegram reports it."""

    charge_id: str
    provider_charge_id: str | None
    user_id: int
    product: Product
    amount: int
    currency: str


class PaymentRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, charge: Charge) -> bool:
        """Records a paid charge; False when it was recorded before."""
        row = await self._db.execute_atomic(
            "INSERT INTO payments (charge_id, provider_charge_id, user_id, product, amount,"
            " currency, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'paid', ?)"
            " ON CONFLICT(charge_id) DO NOTHING RETURNING id",
            (
                charge.charge_id,
                charge.provider_charge_id,
                charge.user_id,
                charge.product.value,
                charge.amount,
                charge.currency,
                time.time(),
            ),
        )
        return row is not None

    async def get(self, charge_id: str) -> Payment | None:
        row = await self._db.fetch_one(
            "SELECT charge_id, user_id, product, amount, status FROM payments WHERE charge_id = ?",
            (charge_id,),
        )
        if row is None:
            return None
        return Payment(row[0], row[1], Product(row[2]), row[3], row[4])

    async def mark_refunded(self, charge_id: str) -> bool:
        """False when the payment was not (or no longer) paid."""
        row = await self._db.execute_atomic(
            "UPDATE payments SET status = 'refunded', refunded_at = ? WHERE charge_id = ?"
            " AND status = 'paid' RETURNING id",
            (time.time(), charge_id),
        )
        return row is not None
