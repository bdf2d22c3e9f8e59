"""Chaos test 3: two `python -m bot web` and two `python -m bot worker` processes on
PostgreSQL and Redis (the Bot API stand-in delivering by webhook through a round-robin
proxy, an image provider that paints for 3 s). Several partners press Generate at once; the
worker holding the most of their jobs is killed (-9) mid-painting. Its stream consumer is
its incarnation: the other worker sees it dead (its process is gone, or its heartbeat
lapsed past OWNER_TIMEOUT) and claims its jobs at once — not after the idle time, set far
longer here — and finishes them: within OWNER_TIMEOUT + the painting time of the kill,
one photo per partner, 2 tokens each, nobody told "interrupted", no hold left, and the
dead consumer gone from the group."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.jobs.broker import GROUP, STREAM
from tests.conftest import ADMIN_ID
from tests.databases import database_for
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import ProviderAPI
from tests.fakes.round_robin import RoundRobinProxy
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import STARTUP, User
from tests.test_scale_out import IMAGE_MODEL, Cluster, wait_until

PARTNERS = [5001 + n for n in range(6)]
OWNER_TIMEOUT = 4.0
PAINTING = 3.0
SLACK = 3.0
"""For a loaded machine: the photo's own sending, the text, a claim check's second."""
SETTINGS = {
    "OWNER_TIMEOUT": str(OWNER_TIMEOUT),
    "HEARTBEAT_SECONDS": "1",
    # The idle-time redelivery far beyond the bound: only the owner's death moves the jobs.
    "JOB_REDELIVERY_SECONDS": "30",
    "GENERATION_TIMEOUT": "60",
    "SWEEP_MARGIN": "30",
    "SCHEDULER_ENABLED": "false",
}


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    for made in database_for("postgresql", tmp_path):
        assert made.schema is not None
        yield made.schema


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI(latency=PAINTING)
    await api.start()
    yield api
    await api.stop()


def has_button(partner: User, label: str) -> bool:
    messages = [m for m in partner.messages() if m.buttons]
    return bool(messages) and any(label in b["text"] for b in messages[-1].buttons)


async def at_generate(partner: User) -> None:
    """The studio wizard walked up to its Generate button (not pressed yet)."""
    partner.say("/start")
    for label in ("Viral Studio", "Success Story", "Investors", "English"):
        await partner.press(label, timeout=60)
    await partner.sees("Send your referral link", timeout=60)
    partner.say("https://example.com/ref/chaos")
    await partner.telegram.wait_for(lambda: has_button(partner, "Generate"), 60)


async def holders(redis: Redis) -> Counter[str]:
    """How many jobs each consumer (each worker's incarnation) holds."""
    pending = await redis.xpending_range(STREAM, GROUP, "-", "+", 1000)
    return Counter(entry["consumer"].decode() for entry in pending)


async def test_a_killed_workers_jobs_finish_on_the_other_within_the_owner_timeout(
    tmp_path: Path,
    telegram: FakeTelegram,
    server: BotAPIServer,
    providers: ProviderAPI,
    schema: str,
    redis_url: str,
):
    cluster = Cluster(tmp_path, server, providers.base_url, schema, redis_url)
    cluster.env.update(SETTINGS)
    for user_id in PARTNERS:
        telegram.add_user(user_id, f"Partner{user_id}")
    proxy = RoundRobinProxy([f"http://127.0.0.1:{p}" for p in cluster.web_ports])
    await proxy.start()
    redis = Redis.from_url(redis_url)
    try:
        await cluster.start_all()
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        server.deliver_queued(f"{proxy.url}/telegram/webhook")
        admin = User(telegram, ADMIN_ID)
        for user_id in PARTNERS:
            admin.say(f"/pro {user_id} on")
        for user_id in PARTNERS:
            await admin.sees(f"PRO is on for {user_id}. Balance: 500", timeout=60)
        partners = [User(telegram, user_id) for user_id in PARTNERS]
        await asyncio.gather(*(at_generate(partner) for partner in partners))
        for partner in partners:  # all at once
            telegram.press(
                partner.user_id, telegram.last_with_buttons(partner.user_id), "Generate"
            )

        # Every job read by a worker and painting: the worker holding the most is killed.
        async def all_held_and_painting() -> bool:
            held = await holders(redis)
            return sum(held.values()) == len(PARTNERS) and bool(providers.calls_to(IMAGE_MODEL))

        await wait_until(all_held_and_painting, 30, "every job taken by a worker")
        [(consumer, count)] = (await holders(redis)).most_common(1)
        pid = int(consumer.split(":")[1])  # the incarnation: host, process, random bytes
        name = next(n for n, p in cluster.processes.items() if p.pid == pid)
        assert name.startswith("worker-")
        cluster.processes[name].kill()  # SIGKILL: nothing settles, nothing is acknowledged
        await cluster.processes[name].wait()
        killed = time.monotonic()
        waiting = [p for p in partners if not telegram.sent("sendPhoto", p.user_id)]
        assert len(waiting) >= count  # its jobs were mid-painting

        def all_photos() -> bool:
            return all(telegram.sent("sendPhoto", p.user_id) for p in waiting)

        await telegram.wait_for(all_photos, OWNER_TIMEOUT + PAINTING + 30)
        took = time.monotonic() - killed
        assert took < OWNER_TIMEOUT + PAINTING + SLACK, f"{took:.1f} s from the kill"

        await asyncio.sleep(2.5)  # a second photo, or a sweep's notice, would show now
        for partner in partners:
            assert len(telegram.sent("sendPhoto", partner.user_id)) == 1, partner.user_id
            assert not any("interrupted" in m.visible for m in partner.messages())
            await partner.sees("2 tokens spent, 498 left")
        assert await holders(redis) == Counter()
        consumers: Any = await redis.xinfo_consumers(STREAM, GROUP)
        assert consumer not in {c["name"].decode() for c in consumers}  # left the group
        entries = await cluster.sql(
            "SELECT user_id, kind, COUNT(*) AS n FROM ledger WHERE user_id = ANY($1)"
            " AND kind IN ('reserve', 'commit', 'refund') GROUP BY user_id, kind",
            PARTNERS,
        )
        counted = {(row["user_id"], row["kind"]): row["n"] for row in entries}
        assert counted == {
            **{(user_id, "reserve"): 1 for user_id in PARTNERS},
            **{(user_id, "commit"): 1 for user_id in PARTNERS},
        }
        balances = await cluster.sql(
            "SELECT allowance + bonus AS balance FROM accounts WHERE user_id = ANY($1)",
            PARTNERS,
        )
        assert [row["balance"] for row in balances] == [498] * len(PARTNERS)
        assert await cluster.sql("SELECT id FROM reservations WHERE status = 'held'") == []
        assert telegram.errors == []
    finally:
        await redis.aclose()
        stderr = await cluster.stop_all()
        await proxy.stop()
    for name, text in stderr.items():
        assert b"Traceback" not in text, f"{name}: {text.decode()}"
