from __future__ import annotations

from services.core.models import LedgerKind
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver


async def test_admin_grants_tokens_written_to_the_ledger(driver: Driver):
    await driver.send(ADMIN_ID, "/grant 1001 25 launch bonus")
    assert "+25 tokens for 1001. Balance now: 25" in driver.texts(ADMIN_ID)[-1]
    entries = await driver.app.services.ledger.entries(PARTNER_ID)
    assert [(e.kind, e.delta, e.actor_id, e.reason) for e in entries] == [
        (LedgerKind.GRANT, 25, ADMIN_ID, "launch bonus")
    ]


async def test_negative_grant_cannot_go_below_zero(driver: Driver):
    await driver.send(ADMIN_ID, "/grant 1001 5")
    await driver.send(ADMIN_ID, "/grant 1001 -6 typo")
    assert "below zero (it is 5)" in driver.texts(ADMIN_ID)[-1]
    await driver.send(ADMIN_ID, "/grant 1001 -5 fix")
    assert await driver.balance() == 0


async def test_bad_grant_usage_is_explained(driver: Driver):
    await driver.send(ADMIN_ID, "/grant lots")
    assert "Usage: /grant <user_id> <tokens> [note]" in driver.texts(ADMIN_ID)[-1]


async def test_pro_switch_gives_and_takes_the_allowance(driver: Driver):
    await driver.send(ADMIN_ID, "/pro 1001 on")
    assert "PRO is on for 1001. Balance: 500" in driver.texts(ADMIN_ID)[-1]
    await driver.send(ADMIN_ID, "/pro 1001 off")
    assert "PRO is off for 1001. Balance: 0" in driver.texts(ADMIN_ID)[-1]


async def test_non_admins_get_no_reaction(driver: Driver):
    before = len(driver.telegram.calls)
    await driver.send(PARTNER_ID, "/grant 1001 1000")
    await driver.send(PARTNER_ID, "/pro 1001 on")
    assert driver.telegram.calls[before:] == []
    assert await driver.balance() == 0


async def test_redelivered_grant_applies_once(driver: Driver):
    update = driver.telegram.message_update(ADMIN_ID, "/grant 1001 10")
    await driver.feed(update)
    await driver.feed(update)
    assert await driver.balance() == 10
