from __future__ import annotations

import asyncio
from datetime import date

import pytest

from services.core.account_repo import AccountRepo
from services.core.ledger import InsufficientTokensError, Ledger
from services.core.ledger_repo import LedgerRepo
from services.core.models import LedgerKind
from services.infra.db import Database


@pytest.fixture
def ledger(ledger_repo: LedgerRepo) -> Ledger:
    return Ledger(ledger_repo, pro_monthly_tokens=500)


async def make_pro(ledger: Ledger, user_id: int = 1) -> None:
    await ledger.set_pro(user_id, True, actor_id=99, key=f"pro:{user_id}")


async def balance(accounts: AccountRepo, user_id: int = 1) -> int:
    account = await accounts.get(user_id)
    assert account is not None
    return account.balance


async def test_reserve_commit_moves_balance_by_cost(ledger: Ledger, accounts: AccountRepo):
    await make_pro(ledger)
    outcome = await ledger.reserve(1, 2, "post:1", "studio post")
    assert outcome.reservation is not None and not outcome.duplicate
    assert await ledger.commit(outcome.reservation)
    assert await balance(accounts) == 498


async def test_refund_happens_exactly_once(ledger: Ledger, ledger_repo: LedgerRepo, accounts):
    await make_pro(ledger)
    reservation = (await ledger.reserve(1, 2, "post:1", "studio post")).reservation
    assert reservation is not None
    assert await balance(accounts) == 498
    assert await ledger.refund(reservation)
    assert not await ledger.refund(reservation)
    assert not await ledger.commit(reservation)
    assert await balance(accounts) == 500
    kinds = [entry.kind for entry in await ledger_repo.entries(1)]
    assert kinds.count(LedgerKind.REFUND) == 1


async def test_same_key_reserves_once(ledger: Ledger, accounts: AccountRepo):
    await make_pro(ledger)
    first, second = await asyncio.gather(
        ledger.reserve(1, 2, "post:tap", "studio post"),
        ledger.reserve(1, 2, "post:tap", "studio post"),
    )
    assert {first.duplicate, second.duplicate} == {False, True}
    assert first.reservation == second.reservation
    assert await balance(accounts) == 498


async def test_insufficient_balance_reserves_nothing(ledger: Ledger, ledger_repo, accounts):
    await ledger.grant(1, 1, actor_id=99, note="", key="g1")
    outcome = await ledger.reserve(1, 2, "post:1", "studio post")
    assert outcome.reservation is None
    assert await balance(accounts) == 1
    assert [e.kind for e in await ledger_repo.entries(1)] == [LedgerKind.GRANT]


async def test_thousand_concurrent_reservations_on_500(ledger: Ledger, ledger_repo, accounts):
    await make_pro(ledger)
    outcomes = await asyncio.gather(
        *(ledger.reserve(1, 2, f"post:{i}", "race") for i in range(1000))
    )
    assert sum(o.reservation is not None for o in outcomes) == 250
    assert await balance(accounts) == 0
    entries = await ledger_repo.entries(1)
    assert sum(e.delta for e in entries) == 0
    assert entries[-1].balance_after == 0


async def test_allowance_is_spent_before_granted_tokens(ledger: Ledger, accounts):
    await make_pro(ledger)
    await ledger.grant(1, 10, actor_id=99, note="gift", key="g1")
    reservation = (await ledger.reserve(1, 2, "post:1", "studio post")).reservation
    assert reservation is not None
    assert (reservation.allowance_amount, reservation.bonus_amount) == (2, 0)
    account = await accounts.get(1)
    assert account is not None and (account.allowance, account.bonus) == (498, 10)


async def test_monthly_reset_sets_not_adds_and_keeps_grants(ledger: Ledger, accounts):
    await make_pro(ledger)
    await ledger.grant(1, 7, actor_id=99, note="", key="g1")
    await ledger.reserve(1, 100, "big", "test")
    assert await ledger.monthly_reset(date(2026, 12, 1)) == 1
    assert await ledger.monthly_reset(date(2026, 12, 1)) == 0
    account = await accounts.get(1)
    assert account is not None and (account.allowance, account.bonus) == (500, 7)


async def test_negative_grant_never_goes_below_zero(ledger: Ledger, accounts):
    await ledger.grant(1, 5, actor_id=99, note="", key="g1")
    with pytest.raises(InsufficientTokensError):
        await ledger.grant(1, -6, actor_id=99, note="oops", key="g2")
    assert await balance(accounts) == 5
    await ledger.grant(1, -5, actor_id=99, note="fix", key="g3")
    assert await balance(accounts) == 0


async def test_grant_key_applies_once(ledger: Ledger, accounts):
    assert await ledger.grant(1, 5, actor_id=99, note="", key="msg:1") is not None
    assert await ledger.grant(1, 5, actor_id=99, note="", key="msg:1") is None
    assert await balance(accounts) == 5


async def test_ledger_rows_cannot_be_rewritten(ledger: Ledger, db: Database):
    await make_pro(ledger)
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE ledger SET bonus_delta = 1000")
