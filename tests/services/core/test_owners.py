"""Owners with heartbeats: who is alive (beating, not stopped, its process still there on
this host), and the sweep by owner: work whose owner died is taken over (jobs) or refunded
(no job left) whatever its age; a live owner's work is never touched, however old."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from services.core.categories import dump_params
from services.core.incarnation_repo import Incarnation, IncarnationRepo
from services.core.job_journal import JobJournal
from services.core.job_repo import JobRepo
from services.core.jobs import Hold
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.core.owners import Owners
from services.core.sweep import Sweep, SweepReport
from services.core.usage_repo import UsageRepo
from services.core.work_repo import Origin, WorkKind, WorkRepo
from services.infra.db import Database
from services.studio.interrupted import keep_interrupted
from services.studio.service import draft_fields
from tests.services.core.test_sweep import ART, DRAFT, USER, WEEK, balance

TIMEOUT, BEAT, GRACE = 15.0, 3.0, 15.0
DEADLINE = 20.0


def owners_of(db: Database, host: str = "here", pid: int | None = None) -> Owners:
    return Owners(IncarnationRepo(db), "run", timeout=TIMEOUT, interval=BEAT, host=host, pid=pid)


async def a_dead_process(db: Database, *, silent_for: float = 100.0, host: str = "there") -> str:
    """An incarnation on another host whose beats stopped `silent_for` seconds ago."""
    then = time.time() - silent_for
    dead = Incarnation(f"{host}:1:dead", "run", host, 1, then - 10, then)
    await IncarnationRepo(db).register(dead)
    return dead.id


class World:
    """One process's view: its owners, the ledger and uses that record them, the sweep."""

    def __init__(self, db: Database, owners: Owners) -> None:
        self.owners = owners
        self.ledger = Ledger(LedgerRepo(db, lambda: owners.holder), pro_monthly_tokens=500)
        self.usage = UsageRepo(db, lambda: owners.holder)
        self.sweep = Sweep(
            db,
            self.ledger,
            self.usage,
            WorkRepo(db),
            deadline=DEADLINE,
            margin=30.0,
            on_hold_swept=keep_interrupted,
            owners=owners,
            grace=GRACE,
        )
        self.journal = JobJournal(db, owners, timeout=DEADLINE)


async def test_alive_means_beating_not_stopped_and_on_this_host_a_process_that_exists(db):
    me = owners_of(db, host="here")
    await me.start()
    repo = IncarnationRepo(db)
    now = time.time()
    elsewhere = Incarnation("there:5:a", "worker", "there", 5, now, now)
    silent = Incarnation("there:6:b", "worker", "there", 6, now - 60, now - TIMEOUT - 1)
    stopped = Incarnation("there:7:c", "web", "there", 7, now, now, stopped_at=now)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    exited = Incarnation("here:x:d", "run", "here", int(gone.stdout), now, now)
    running = Incarnation("here:y:e", "run", "here", 1, now, now)  # pid 1 exists
    for incarnation in (elsewhere, silent, stopped, exited, running):
        await repo.register(incarnation)
    try:
        assert await me.live() == sorted([me.id, elsewhere.id, running.id])
    finally:
        await me.stop()
    stored = await repo.get(me.id)
    assert stored is not None and stored.stopped_at is not None
    assert me.id not in await owners_of(db).live()


async def test_the_heartbeat_keeps_an_incarnation_alive(db):
    me = Owners(IncarnationRepo(db), "worker", timeout=0.6, interval=0.1, host="there")
    watcher = owners_of(db)
    beats: list[float] = []

    async def counted() -> None:
        beats.append(time.time())

    me.on_beat(counted)
    await me.start()
    try:
        await asyncio.sleep(1.0)  # longer than the timeout: alive only by its beats
        assert (
            me.id
            in await Owners(
                IncarnationRepo(db), "run", timeout=0.6, interval=0.1, host="here"
            ).live()
        )
        assert len(beats) >= 5
    finally:
        await me.stop()
    assert me.id not in await watcher.live()


async def test_a_live_owners_hold_is_never_swept_however_old(db):
    world = World(db, owners_of(db))
    await world.owners.start()
    try:
        await world.ledger.set_pro(USER, True, actor_id=1, key="pro")
        held = await world.ledger.reserve(USER, 2, "k", "studio post", Origin(USER, 4), {})
        use = await world.usage.reserve(USER, WEEK, "match", "u", 3, Origin(USER, 5), {})
        assert held.reservation is not None and use is not None
        assert await world.sweep.run(now=time.time() + 100_000) == SweepReport(0, 0)
        assert await balance(db) == 498 and await world.usage.used(USER, WEEK) == 1
    finally:
        await world.owners.stop()


async def test_a_dead_owners_hold_without_a_job_is_refunded_after_the_grace_once(db):
    dead = owners_of(db, host="there", pid=1)
    before = World(db, dead)
    await before.ledger.set_pro(USER, True, actor_id=1, key="pro")
    held = await before.ledger.reserve(
        USER, 2, "k", "studio post", Origin(USER, 4), draft_fields(DRAFT)
    )
    use = await before.usage.reserve(
        USER, WEEK, "match", "u", 3, Origin(USER, 5), dump_params(ART)
    )
    assert held.reservation is not None and use is not None
    then = time.time()  # its last beat: it was killed then (here: stopped, dead at once)
    await IncarnationRepo(db).register(Incarnation(dead.id, "run", "there", 1, then, then, then))

    world = World(db, owners_of(db))
    await world.owners.start()
    try:
        # Silent for less than OWNER_TIMEOUT + the grace: a live run may still take it over.
        assert await world.sweep.run(now=then + TIMEOUT + GRACE - 1) == SweepReport(0, 0)
        assert await world.sweep.run(now=then + TIMEOUT + GRACE + 1) == SweepReport(1, 1)
        assert await world.sweep.run(now=then + 10_000) == SweepReport(0, 0)
        assert await balance(db) == 500 and await world.usage.used(USER, WEEK) == 0
        told = await world.sweep.untold()
        assert {(t.kind, t.message_id) for t in told} == {(WorkKind.TOKENS, 4), (WorkKind.USE, 5)}
    finally:
        await world.owners.stop()


async def test_a_dead_owners_job_is_taken_over_by_one_taker_with_its_hold(db):
    dead = owners_of(db, host="there", pid=1)
    before = World(db, dead)
    await before.ledger.set_pro(USER, True, actor_id=1, key="pro")
    held = await before.ledger.reserve(USER, 2, "k", "studio post", Origin(USER, 4), {})
    assert held.reservation is not None
    hold = Hold(WorkKind.TOKENS, held.reservation.id, time.time())
    job_id = await before.journal.write("post", {"x": 1}, hold)
    await a_dead_process(db)
    gone = time.time() - 100
    await IncarnationRepo(db).register(Incarnation(dead.id, "run", "there", 1, gone, gone))

    first, second = World(db, owners_of(db)), World(db, owners_of(db))
    for world in (first, second):
        await world.owners.start()
    try:
        assert await first.sweep.run() == SweepReport(0, 0)  # a job is left to resume it
        taken = await asyncio.gather(first.sweep.take_over_jobs(), second.sweep.take_over_jobs())
        winners = [jobs for jobs in taken if jobs]
        assert len(winners) == 1 and [j.id for j in winners[0]] == [job_id]
        owner = winners[0][0]
        [row] = await db.fetch_all("SELECT owner FROM jobs")
        assert row[0] in {first.owners.id, second.owners.id} and owner.payload == {"x": 1}
        assert await LedgerRepo(db).owner_of(held.reservation.id) == row[0]
        resumed = await first.ledger.held(held.reservation.id)
        assert resumed is not None and resumed.takeovers == 1  # its run says it resumed
        assert await first.sweep.run(now=time.time() + 100_000) == SweepReport(0, 0)
        assert await balance(db) == 498
    finally:
        for world in (first, second):
            await world.owners.stop()


async def test_a_job_orphaned_past_its_deadline_is_refunded_and_told_not_resumed(db):
    dead = owners_of(db, host="there", pid=1)
    before = World(db, dead)
    await before.ledger.set_tier(USER, "cosmic", expires_at=None, key="tier", reason="t")
    use = await before.usage.reserve(
        USER, WEEK, "match", "u", 3, Origin(USER, 5), dump_params(ART)
    )
    assert use is not None
    await before.journal.write("art", {}, Hold(WorkKind.USE, use.id, time.time()))
    gone = time.time() - 100
    await IncarnationRepo(db).register(Incarnation(dead.id, "run", "there", 1, gone, gone))

    world = World(db, owners_of(db))
    await world.owners.start()
    try:
        assert await world.sweep.take_over_jobs(now=time.time() + DEADLINE + 1) == []
        assert await world.usage.used(USER, WEEK) == 0
        assert await JobRepo(db).orphaned([world.owners.id]) == []
        assert await db.fetch_all("SELECT id FROM jobs") == []
        [told] = await world.sweep.untold()
        assert (told.kind, told.ref) == (WorkKind.USE, use.id)
    finally:
        await world.owners.stop()


async def test_a_notice_whose_claimant_died_is_offered_again(db):
    teller = World(db, owners_of(db, host="there", pid=1))
    await teller.owners.start()
    await teller.ledger.set_pro(USER, True, actor_id=1, key="pro")
    await teller.ledger.reserve(USER, 2, "k", "studio post", Origin(USER, 4), {})
    await teller.owners.stop()  # its hold is orphaned at once ...
    world = World(db, owners_of(db))
    await world.owners.start()
    try:
        assert (await world.sweep.run(now=time.time() + 100)).tokens == 1
        [notice] = await world.sweep.untold()
        assert await teller.sweep.claim(notice)  # ... a process claims the telling, and dies
        assert await world.sweep.untold() == [notice]  # offered again
        assert await world.sweep.claim(notice)
        assert await world.sweep.untold() == []  # this live one is on it
        await world.sweep.told(notice)
        assert await world.sweep.untold() == []
    finally:
        await world.owners.stop()


async def test_the_owners_revision_goes_down_and_up_again(database):
    from alembic import command
    from sqlalchemy import inspect
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.infra.db import async_url
    from services.infra.schema import alembic_config, upgrade

    db = Database(database.url, schema=database.schema)
    await db.connect()  # at the head
    await db.close()
    args = {"server_settings": {"search_path": database.schema}} if database.schema else {}
    engine = create_async_engine(async_url(database.url), connect_args=args)

    def shape(conn: Connection) -> tuple[set[str], set[str]]:
        found = inspect(conn)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("reservations")}

    before = OWNERS_REVISION_PARENT
    async with engine.connect() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), before))
        await conn.commit()
        tables, columns = await conn.run_sync(shape)
        assert not {"incarnations", "jobs", "use_owners"} & tables and "owner" not in columns
    async with engine.connect() as conn:
        await conn.run_sync(upgrade, database.schema)
        await conn.commit()
        tables, columns = await conn.run_sync(shape)
        assert {"incarnations", "jobs", "use_owners"} <= tables and "owner" in columns
        assert "takeovers" in columns
    await engine.dispose()


OWNERS_REVISION_PARENT = "0002"


async def test_alive_tells_known_incarnations_apart_and_leaves_unknown_names_out(db):
    """What the Redis stream asks of its consumers' names (bot/jobs/broker.py)."""
    me = owners_of(db, host="here")
    await me.start()
    repo = IncarnationRepo(db)
    now = time.time()
    beating = Incarnation("there:5:a", "worker", "there", 5, now, now)
    stopped = Incarnation("there:7:c", "worker", "there", 7, now, now, stopped_at=now)
    for incarnation in (beating, stopped):
        await repo.register(incarnation)
    silent = await a_dead_process(db)
    try:
        names = [me.id, beating.id, stopped.id, silent, "old-host:9:abcdef"]
        assert await me.alive(names) == {
            me.id: True,
            beating.id: True,
            stopped.id: False,
            silent: False,
        }
        assert await me.alive([]) == {}
    finally:
        await me.stop()


async def test_only_a_hold_taken_from_another_owner_counts_as_taken_over(db):
    ledger = Ledger(LedgerRepo(db), pro_monthly_tokens=500)  # holds for a Redis queue: no owner
    await ledger.set_pro(USER, True, actor_id=1, key="pro")
    held = await ledger.reserve(USER, 2, "k", "studio post", Origin(USER, 4), {})
    assert held.reservation is not None and held.reservation.takeovers == 0
    hold_id, live = held.reservation.id, ["w1", "w2"]

    async def adopt(owner: str, live: list[str]) -> int:
        async with db.transaction() as tx:
            assert await LedgerRepo.adopt(tx, hold_id, owner, live)
        found = await ledger.held(hold_id)
        assert found is not None
        return found.takeovers

    assert await adopt("w1", live) == 0  # nobody's yet: the first worker starts it
    assert await adopt("w1", live) == 0  # its own again (a second delivery)
    assert await adopt("w2", ["w2"]) == 1  # w1 died: w2 resumes it
