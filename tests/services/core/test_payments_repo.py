"""The payment record: one row per charge, whatever Telegram re-delivers; a refund marks
it once."""

from __future__ import annotations

from services.core.account_repo import AccountRepo
from services.core.payment_repo import Charge, Payment, PaymentRepo, Product
from services.infra.db import Database

USER = 7


async def test_a_charge_is_recorded_once_and_refunded_once(db: Database):
    await AccountRepo(db).get_or_create(USER, "en")
    payments = PaymentRepo(db)
    charge = Charge("ch-1", "prov-1", USER, Product.COSMIC, 150, "XTR")
    assert await payments.add(charge)
    assert not await payments.add(charge)  # a replayed update
    assert await payments.get("ch-1") == Payment("ch-1", USER, Product.COSMIC, 150, "paid")
    assert await payments.get("ch-2") is None
    assert await payments.mark_refunded("ch-1")
    assert not await payments.mark_refunded("ch-1")
    refunded = await payments.get("ch-1")
    assert refunded is not None and refunded.status == "refunded"
