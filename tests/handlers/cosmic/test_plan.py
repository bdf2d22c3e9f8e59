"""Paying with Telegram Stars: invoice, pre-checkout check, credit once, admin refund."""

from __future__ import annotations

from tests.conftest import ADMIN_ID, PARTNER_ID, Driver

USER = PARTNER_ID


async def buy(driver: Driver, label: str) -> dict:
    await driver.send(USER, "/plan")
    await driver.press(USER, label)
    invoice = driver.telegram.chat_messages(USER)[-1]
    assert invoice.invoice is not None and invoice.invoice["currency"] == "XTR"
    pre_checkout = driver.telegram.pay(USER, invoice)
    await driver.feed(pre_checkout)
    answer = driver.telegram.sent("answerPreCheckoutQuery")[-1]
    assert answer.params["ok"] is True
    return pre_checkout


async def tier_of(driver: Driver) -> tuple[str, float | None]:
    account = await driver.app.services.accounts.get(USER)
    assert account is not None
    return account.tier, account.tier_expires_at


async def test_a_plan_is_credited_once_per_charge(driver: Driver):
    pre_checkout = await buy(driver, "Cosmic plan")
    done = driver.telegram.payment_done(USER, pre_checkout)
    await driver.feed(done)
    assert "Thank you" in driver.texts(USER)[-1]
    tier, expires = await tier_of(driver)
    assert tier == "cosmic" and expires is not None
    await driver.feed(done)  # Telegram re-delivers the same update
    charge = done["message"]["successful_payment"]["telegram_payment_charge_id"]
    await driver.feed(driver.telegram.payment_done(USER, pre_checkout, charge_id=charge))
    assert await tier_of(driver) == (tier, expires)
    await driver.send(USER, "/usage")
    assert "Paid until" in driver.texts(USER)[-1]


async def test_a_token_pack_and_its_refund(driver: Driver):
    pre_checkout = await buy(driver, "PRO tokens")
    done = driver.telegram.payment_done(USER, pre_checkout)
    await driver.feed(done)
    assert await driver.balance() == 100
    charge = done["message"]["successful_payment"]["telegram_payment_charge_id"]
    await driver.send(ADMIN_ID, f"/refund_payment {charge}")
    assert "Refunded ⭐ 250" in driver.texts(ADMIN_ID)[-1]
    assert driver.telegram.charges[charge]["refunded"] and await driver.balance() == 0
    await driver.send(ADMIN_ID, f"/refund_payment {charge}")
    assert "refunded already" in driver.texts(ADMIN_ID)[-1]


async def test_refunding_a_plan_takes_the_days_back(driver: Driver):
    pre_checkout = await buy(driver, "Universe plan")
    done = driver.telegram.payment_done(USER, pre_checkout)
    await driver.feed(done)
    charge = done["message"]["successful_payment"]["telegram_payment_charge_id"]
    await driver.send(ADMIN_ID, f"/refund_payment {charge}")
    assert await tier_of(driver) == ("free", None)
    entries = await driver.app.services.ledger.entries(USER)
    assert [e.kind.value for e in entries][-2:] == ["payment", "payment_refund"]


async def test_a_tampered_invoice_is_refused_at_checkout(driver: Driver):
    await driver.send(USER, "/plan")
    await driver.press(USER, "Cosmic plan")
    invoice = driver.telegram.chat_messages(USER)[-1]
    invoice.invoice = {**invoice.invoice, "amount": 1}
    await driver.feed(driver.telegram.pay(USER, invoice))
    answer = driver.telegram.sent("answerPreCheckoutQuery")[-1]
    assert answer.params["ok"] is False and answer.params["error_message"]
    assert await tier_of(driver) == ("free", None)
