"""The sweep of work a dead run left behind, on a clock the test sets (`now`): nothing is
refunded before its deadline plus the margin, everything after it, once."""

from __future__ import annotations

import asyncio
import time

from services.core.account_repo import AccountRepo
from services.core.categories import dump_params
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.core.models import LedgerKind, ReservationStatus
from services.core.sweep import Sweep, SweepReport
from services.core.usage_repo import UsageRepo
from services.core.work_repo import Origin, WorkKind, WorkRepo
from services.cosmic.again import request_again
from services.cosmic.kinds import AvatarParams, DailyParams, MatchParams, MoonParams, parse_cosmic
from services.infra.db import Database
from services.studio.interrupted import keep_interrupted
from services.studio.post_repo import PostRepo
from services.studio.service import PostStatus, ReadyPost, draft_fields
from tests.services.studio.test_service import DRAFT, SlowPainter, SlowWriter, make_studio

USER = 7
DEADLINE, MARGIN = 20.0, 30.0
WEEK = "2026-11-30"
ART = MatchParams("leo", "aries")


def make_sweep(db: Database) -> tuple[Sweep, Ledger, UsageRepo]:
    ledger = Ledger(LedgerRepo(db), pro_monthly_tokens=500)
    usage = UsageRepo(db)
    sweep = Sweep(
        db,
        ledger,
        usage,
        WorkRepo(db),
        deadline=DEADLINE,
        margin=MARGIN,
        on_hold_swept=keep_interrupted,
    )
    return sweep, ledger, usage


async def balance(db: Database) -> int:
    account = await AccountRepo(db).get(USER)
    return account.balance if account else 0


async def test_a_hold_is_refunded_once_and_only_past_its_deadline_and_margin(db):
    sweep, ledger, _ = make_sweep(db)
    await ledger.set_pro(USER, True, actor_id=1, key="pro")
    started = time.time()
    held = await ledger.reserve(
        USER, 2, "studio:7:k", "studio post", Origin(USER, 41), draft_fields(DRAFT)
    )
    assert held.reservation is not None and await balance(db) == 498

    # still being worked on:
    assert await sweep.run(now=started + DEADLINE + MARGIN - 1) == SweepReport(0, 0)
    assert await balance(db) == 498 and await sweep.untold() == []

    assert (await sweep.run(now=started + DEADLINE + MARGIN + 1)).tokens == 1
    assert await balance(db) == 500
    assert (await sweep.run(now=started + 10_000)).tokens == 0  # once
    assert await balance(db) == 500
    refunds = [e for e in await ledger.entries(USER) if e.kind is LedgerKind.REFUND]
    assert [e.delta for e in refunds] == [2]

    [told] = await sweep.untold()
    assert (told.kind, told.chat_id, told.message_id) == (WorkKind.TOKENS, USER, 41)
    assert (told.tokens, told.balance, told.language) == (2, 500, "en")
    post = await PostRepo(db).get(told.ref)  # kept, with its choices, to be made again
    assert post is not None and post.status == "failed"
    assert (post.post_type, post.language, post.referral_link) == (
        DRAFT.post_type.value,
        DRAFT.language,
        DRAFT.referral_link,
    )
    assert await sweep.claim(told)  # this process tells the person ...
    assert not await make_sweep(db)[0].claim(told)  # ... and no other one
    assert await sweep.untold() == []
    await sweep.unclaim(told)  # Telegram was unreachable: the next sweep tells
    assert await sweep.untold() == [told]


async def test_a_weekly_use_is_given_back_once_and_only_past_its_deadline(db):
    sweep, ledger, usage = make_sweep(db)
    await ledger.set_tier(USER, "cosmic", expires_at=None, key="tier", reason="test")
    started = time.time()
    use = await usage.reserve(
        USER, WEEK, "match", "cosmic:7:k", 3, Origin(USER, 9), dump_params(ART)
    )
    assert use is not None and await usage.used(USER, WEEK) == 1

    assert await sweep.run(now=started + DEADLINE + MARGIN - 1) == SweepReport(0, 0)
    assert await usage.used(USER, WEEK) == 1
    assert (await sweep.run(now=started + DEADLINE + MARGIN + 1)).uses == 1
    assert await usage.used(USER, WEEK) == 0
    assert (await sweep.run(now=started + 10_000)).uses == 0
    fresh, _, _ = make_sweep(db)  # a restarted process looks at everything again: still once
    assert (await fresh.run(now=started + 10_000)).uses == 0
    assert await usage.used(USER, WEEK) == 0

    [told] = await sweep.untold()
    assert (told.kind, told.ref, told.message_id, told.tokens) == (WorkKind.USE, use.id, 9, 0)
    assert await request_again(sweep, USER, use.id) == ART
    assert await request_again(sweep, USER + 1, use.id) is None  # not someone else's


async def test_settled_work_is_never_swept(db):
    sweep, ledger, usage = make_sweep(db)
    await ledger.set_pro(USER, True, actor_id=1, key="pro")
    started = time.time()
    done = await ledger.reserve(USER, 2, "a", "studio post", Origin(USER, 1), {})
    failed = await ledger.reserve(USER, 2, "b", "studio post", Origin(USER, 2), {})
    assert done.reservation is not None and failed.reservation is not None
    await ledger.commit(done.reservation)
    await ledger.refund(failed.reservation)
    kept = await usage.reserve(USER, WEEK, "match", "c", None, Origin(USER, 3), dump_params(ART))
    assert kept is not None and await usage.settle(kept, keep=True)
    assert await sweep.run(now=started + 10_000) == SweepReport(0, 0)
    assert await balance(db) == 498 and await usage.used(USER, WEEK) == 1
    assert await sweep.untold() == []


async def test_a_run_that_ends_after_its_hold_was_swept_changes_nothing(db):
    """The race: the ledger refuses to commit or refund a hold the sweeper refunded."""
    sweep, ledger, usage = make_sweep(db)
    await ledger.set_pro(USER, True, actor_id=1, key="pro")
    held = await ledger.reserve(USER, 2, "slow", "studio post")
    use = await usage.reserve(USER, WEEK, "match", "slow", None)
    assert held.reservation is not None and use is not None
    assert await sweep.run(now=time.time() + 10_000) == SweepReport(1, 1)
    assert await ledger.commit(held.reservation) is None
    assert await ledger.refund(held.reservation) is None
    assert not await usage.settle(use, keep=True)
    assert not await usage.settle(use, keep=False)
    assert await balance(db) == 500 and await usage.used(USER, WEEK) == 0
    statuses = await db.fetch_all("SELECT status FROM reservations")
    assert [row[0] for row in statuses] == [ReservationStatus.REFUNDED.value]


async def test_a_post_that_outlives_the_sweep_is_shown_but_not_charged(db, tmp_path):
    studio = make_studio(db, tmp_path, SlowWriter(0), SlowPainter(0.3))
    sweep, ledger, _ = make_sweep(db)
    await ledger.set_pro(USER, True, actor_id=1, key="pro")
    account = await AccountRepo(db).get(USER)
    assert account is not None
    delivered: list[int] = []

    async def deliver(ready: ReadyPost) -> str | None:
        delivered.append(ready.post_id)
        return None

    async def nothing(_: object) -> None:
        return None

    run = asyncio.create_task(
        studio.create_post(account, DRAFT, "k", nothing, deliver, Origin(USER, 5))
    )
    await asyncio.sleep(0.1)  # reserved, still painting
    assert await balance(db) == 498
    assert (await sweep.run(now=time.time() + 10_000)).tokens == 1
    outcome = await run
    assert outcome.status is PostStatus.DONE and delivered  # the person got it ...
    assert await balance(db) == 500 and outcome.balance == 500  # ... for nothing
    kinds = [e.kind for e in await ledger.entries(USER)]
    assert kinds.count(LedgerKind.REFUND) == 1 and LedgerKind.COMMIT not in kinds


def test_a_cosmic_request_survives_its_stored_form():
    import json

    from services.cosmic.astro import Focus, Mood
    from services.cosmic.moon import MoonPhase

    for request in (
        ART,
        MoonParams(MoonPhase.FULL),
        DailyParams("leo", 9, Mood.BOLD, Focus.LOVE),
        AvatarParams("leo", "aries", "leo", ("kind", "calm")),
    ):
        assert parse_cosmic(json.loads(json.dumps(dump_params(request)))) == request
