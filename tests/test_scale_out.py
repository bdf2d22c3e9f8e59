"""The bot as it runs at scale: two `bot web` and two `bot worker` processes on PostgreSQL
and Redis, the local Bot API stand-in delivering updates by webhook through a round-robin
proxy, as a load balancer does. Every process runs the scheduler's election; only the
leader runs jobs.

- The leader catches up this morning's nightly batch and the daily push: every subscriber
  gets one photo, each image is painted once, the batch runs once.
- 20 partners press Generate at once; one worker is killed (-9) mid-run: each partner gets
  one photo and pays exactly 2 tokens, nobody is refunded or charged twice, no hold is left.
- A Mini App post pressed on one web process is made by a worker and its events are
  streamed by the other web process.
- The leader is killed: another process leads within the lease time and runs the next
  job (its sweeper refunds an abandoned hold, once).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

from bot.jobs.broker import GROUP, STREAM
from services.cosmic.astro import SIGNS
from services.cosmic.zones import offset_name
from tests.conftest import ADMIN_ID
from tests.databases import TEST_DATABASE_URL, database_for
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, ProviderAPI
from tests.fakes.round_robin import RoundRobinProxy
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import STARTUP, TOKEN, User, stop, walk_studio
from tests.test_startup import clean_env
from tests.test_web import SECRET, unused_port
from tests.webapp.initdata import auth
from tests.webapp.test_pro import POST, events_of

IMAGE_MODEL = "gemini-2.5-flash-image"
PARTNERS = [2001 + n for n in range(20)]
SUBSCRIBERS = [3001 + n for n in range(12)]
LEASE = 3
SWEEP_INTERVAL = 2


@pytest.fixture
def schema(tmp_path: Path) -> Iterator[str]:
    for made in database_for("postgresql", tmp_path):
        assert made.schema is not None
        yield made.schema


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI(latency=1.5)
    await api.start()
    yield api
    await api.stop()


class Cluster:
    """Two web and two worker processes on one PostgreSQL schema and one Redis."""

    def __init__(self, tmp_path: Path, server: BotAPIServer, api: str, schema: str, redis: str):
        self.tmp_path = tmp_path
        self.web_ports = [unused_port(), unused_port()]
        self.web_ops_ports = [unused_port(), unused_port()]
        """Where each web process serves /metrics (its operations listener, not WEB_PORT)."""
        self.metrics_ports = [unused_port(), unused_port()]
        self.env = clean_env(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=server.base_url,
            ADMIN_IDS=str(ADMIN_ID),
            DATABASE_URL=TEST_DATABASE_URL,
            DATABASE_SCHEMA=schema,
            REDIS_URL=redis,
            WEBHOOK_URL="https://bot.example.com",
            WEBHOOK_SECRET=SECRET,
            WEB_HOST="127.0.0.1",
            LOG_LEVEL="WARNING",
            BOT_TIMEZONE="UTC",
            LEADER_LEASE_SECONDS=str(LEASE),
            GOOGLE_API_KEY=GOOGLE_KEY,
            GOOGLE_GEMINI_BASE_URL=api,
            IMAGE_MODELS=f"google:{IMAGE_MODEL}",
            TEXT_MODELS="local",
            GENERATION_TIMEOUT="40",
            SWEEP_MARGIN="20",
            JOB_REDELIVERY_SECONDS="2",
            SWEEP_INTERVAL=str(SWEEP_INTERVAL),
            WORKER_CONCURRENCY="8",
        )
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.schema = schema

    async def start(self, name: str, command: str, **extra: str) -> None:
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            cwd=self.tmp_path,
            env={**self.env, **extra},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )

    async def start_all(self) -> None:
        await self.start("migrate", "migrate")  # first, as a deployment does: workers check
        assert await self.processes["migrate"].wait() == 0
        del self.processes["migrate"]
        for n, (port, ops) in enumerate(zip(self.web_ports, self.web_ops_ports, strict=True)):
            await self.start(f"web-{n + 1}", "web", WEB_PORT=str(port), OPS_PORT=str(ops))
        for n, port in enumerate(self.metrics_ports):
            await self.start(f"worker-{n + 1}", "worker", WORKER_METRICS_PORT=str(port))

    def metrics_urls(self) -> dict[str, str]:
        urls = {
            f"web-{n + 1}": f"http://127.0.0.1:{p}/metrics"
            for n, p in enumerate(self.web_ops_ports)
        }
        for n, port in enumerate(self.metrics_ports):
            urls[f"worker-{n + 1}"] = f"http://127.0.0.1:{port}/metrics"
        return urls

    async def leaders(self) -> list[str]:
        """The processes whose /metrics say they hold the leader lease."""
        found = []
        async with aiohttp.ClientSession() as session:
            for name, url in self.metrics_urls().items():
                if self.processes[name].returncode is not None:
                    continue
                try:
                    async with session.get(url) as answer:
                        if "bot_is_leader 1.0" in await answer.text():
                            found.append(name)
                except aiohttp.ClientError:
                    pass
        return found

    async def scheduled_jobs_run(self) -> dict[str, float]:
        """Per process: the scheduler's jobs it ran (bot_jobs_finished_total, done)."""
        wanted = 'bot_jobs_finished_total{kind="scheduled",outcome="done"} '
        counts = {}
        async with aiohttp.ClientSession() as session:
            for name, url in self.metrics_urls().items():
                async with session.get(url) as answer:
                    lines = (await answer.text()).splitlines()
                counts[name] = sum(float(x.split()[-1]) for x in lines if x.startswith(wanted))
        return counts

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(
            TEST_DATABASE_URL, server_settings={"search_path": self.schema}
        )
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def stop_all(self) -> dict[str, bytes]:
        return {name: await stop(p) for name, p in self.processes.items()}


async def wait_until(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.2)


async def real_now() -> float:
    """The time the bot's processes see (this test's own clock is the `clock` fixture's)."""
    asked = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; print(time.time())", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asked.communicate()
    return float(out)


async def a_mini_app_post_pressed_on_one_web_is_followed_on_the_other(
    cluster: Cluster, partner: int
) -> list[dict]:
    """The post is queued by the first web process, made by a worker and streamed by the
    second web process: the job board is shared through Redis."""
    headers = {
        **auth(partner, token=TOKEN, auth_date=await real_now()),
        "Prefer": "respond-async",
    }
    first, second = (f"http://127.0.0.1:{port}" for port in cluster.web_ports)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{first}/api/pro/generate", json=POST, headers=headers) as sent:
            assert sent.status == 202, await sent.text()
            job_id = (await sent.json())["job_id"]
        async with http.get(f"{second}/api/jobs/{job_id}/events", headers=headers) as stream:
            assert stream.status == 200
            return events_of(await asyncio.wait_for(stream.text(), 90))


async def subscribe_everyone_for_now(cluster: Cluster, telegram: FakeTelegram) -> None:
    """Subscribers of every sign whose delivery hour is their local hour now: a zone where
    it is about noon (whatever the real time), so the date cannot change during the test.
    "Now" is what the bot's processes see, asked of a process started the same way: this
    test's own clock is set by the `clock` fixture."""
    now = datetime.fromtimestamp(await real_now(), UTC)
    offset = ((12 - now.hour + 12) % 24 - 12) * 60  # UTC−11:00 … UTC+12:00
    local_hour = (now.hour + offset // 60) % 24
    zone = offset_name(offset)
    for user_id in SUBSCRIBERS:
        telegram.add_user(user_id, f"Sub{user_id}")
    stamp = time.time()
    for n, user_id in enumerate(SUBSCRIBERS):
        await cluster.sql(
            "INSERT INTO accounts (user_id, language, created_at, updated_at)"
            " VALUES ($1, 'en', $2, $2)",
            user_id,
            stamp,
        )
        await cluster.sql(
            "INSERT INTO subscriptions (user_id, sign, hour, active, updated_at)"
            " VALUES ($1, $2, $3, 1, $4)",
            user_id,
            SIGNS[n].key,
            local_hour,
            stamp,
        )
        await cluster.sql(
            "INSERT INTO time_zones (user_id, zone, updated_at) VALUES ($1, $2, $3)",
            user_id,
            zone,
            stamp,
        )


async def kill_a_worker_holding_jobs(cluster: Cluster, redis_url: str) -> str:
    client = Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            pending = await client.xpending_range(STREAM, GROUP, "-", "+", 100)
            if pending:
                break
            assert time.monotonic() < deadline, "no worker took a job"
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()
    pid = int(pending[0]["consumer"].decode().split(":")[1])
    name = next(n for n, p in cluster.processes.items() if p.pid == pid)
    cluster.processes[name].kill()  # SIGKILL: nothing settles, nothing is acknowledged
    await cluster.processes[name].wait()
    return name


async def test_two_web_and_two_worker_processes_act_as_one_bot(
    tmp_path, telegram, server, providers, schema, redis_url
):
    cluster = Cluster(tmp_path, server, providers.base_url, schema, redis_url)
    migrated = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate", cwd=tmp_path, env=cluster.env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, problem = await migrated.communicate()
    assert migrated.returncode == 0, problem.decode()
    await subscribe_everyone_for_now(cluster, telegram)
    for user_id in PARTNERS:
        telegram.add_user(user_id, f"Partner{user_id}")

    proxy = RoundRobinProxy([f"http://127.0.0.1:{p}" for p in cluster.web_ports])
    await proxy.start()
    try:
        await cluster.start_all()
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        server.deliver_queued(f"{proxy.url}/telegram/webhook")

        # The leader's catch-up: this morning's batch and the push of the hour, once each.
        await wait_until(lambda: _all_pushed(telegram), 90, "every subscriber got the daily push")
        await asyncio.sleep(2)  # a second push, if any process sent one, would show now
        for user_id in SUBSCRIBERS:
            assert len(telegram.sent("sendPhoto", user_id)) == 1, user_id
        runs = await cluster.sql("SELECT job, COUNT(*) AS n FROM job_runs GROUP BY job")
        assert {row["job"]: row["n"] for row in runs}.get("nightly_batch") == 1
        twice = await cluster.sql(
            "SELECT prompt FROM generations WHERE kind = 'image' GROUP BY prompt"
            " HAVING COUNT(*) > 1"
        )
        assert twice == [], "an image was painted twice"
        assert len(await cluster.leaders()) == 1
        ran = await cluster.scheduled_jobs_run()  # the batch and the push: in workers only
        assert ran["web-1"] == ran["web-2"] == 0, ran
        assert ran["worker-1"] + ran["worker-2"] >= 2, ran

        # 20 partners at once, and one worker killed while it holds jobs.
        admin = User(telegram, ADMIN_ID)
        for user_id in PARTNERS:
            admin.say(f"/pro {user_id} on")
        for user_id in PARTNERS:
            await admin.sees(f"PRO is on for {user_id}. Balance: 500", timeout=60)
        partners = [User(telegram, user_id) for user_id in PARTNERS]
        await asyncio.gather(*(walk_studio(partner) for partner in partners))
        killed = await kill_a_worker_holding_jobs(cluster, redis_url)
        for partner in partners:
            await partner.sees("2 tokens spent, 498 left", timeout=120)
        await asyncio.sleep(2)
        for user_id in PARTNERS:
            assert len(telegram.sent("sendPhoto", user_id)) == 1, user_id
        entries = await cluster.sql(
            "SELECT user_id, kind, COUNT(*) AS n FROM ledger WHERE user_id >= $1"
            " AND user_id <= $2 AND kind IN ('reserve', 'commit', 'refund')"
            " GROUP BY user_id, kind",
            PARTNERS[0],
            PARTNERS[-1],
        )
        counted = {(row["user_id"], row["kind"]): row["n"] for row in entries}
        for user_id in PARTNERS:
            assert counted.get((user_id, "reserve")) == 1, user_id
            assert counted.get((user_id, "commit")) == 1, user_id
            assert (user_id, "refund") not in counted, user_id
        balances = await cluster.sql(
            "SELECT allowance + bonus AS balance FROM accounts WHERE user_id = ANY($1)",
            PARTNERS,
        )
        assert [row["balance"] for row in balances] == [498] * len(PARTNERS)
        held = await cluster.sql("SELECT id FROM reservations WHERE status = 'held'")
        assert held == [], "a hold was left behind"

        events = await a_mini_app_post_pressed_on_one_web_is_followed_on_the_other(
            cluster, PARTNERS[0]
        )
        statuses = [e["status"] for e in events]
        assert "writing" in statuses  # the local writer streams, sentence by sentence
        steps = [s for s in statuses if s != "writing"]
        assert steps == ["queued", "text_ready", "image_ready", "done"]
        assert statuses.index("writing") < statuses.index("text_ready")
        assert events[-1]["result"]["tokens_remaining"] == 496

        # The leader dies: another process leads within the lease time.
        leader = (await cluster.leaders())[0]
        cluster.processes[leader].kill()
        await cluster.processes[leader].wait()
        killed_at = time.monotonic()
        await wait_until(
            lambda: _led_by_another(cluster, {leader, killed}), 4 * LEASE, "a new leader"
        )
        assert time.monotonic() - killed_at < 4 * LEASE
        # ... and runs the next job: the sweeper refunds a hold its run abandoned an hour ago.
        [abandoned] = await cluster.sql(
            "INSERT INTO reservations (user_id, idempotency_key, allowance_amount, bonus_amount,"
            " status, reason, created_at) VALUES ($1, 'abandoned', 2, 0, 'held', 'studio post',"
            " $2) RETURNING id",
            PARTNERS[1],
            await real_now() - 3600,
        )
        await wait_until(
            lambda: _refunded(cluster, abandoned["id"]),
            3 * SWEEP_INTERVAL + 4 * LEASE,
            "the new leader's sweeper refunded the abandoned hold",
        )
        [after] = await cluster.sql(
            "SELECT allowance + bonus AS balance FROM accounts WHERE user_id = $1", PARTNERS[1]
        )
        assert after["balance"] == 498  # held 2, given back once
        assert telegram.errors == []
    finally:
        stderr = await cluster.stop_all()
        await proxy.stop()

    assert all(count > 0 for count in proxy.forwarded.values()), proxy.forwarded
    for name, text in stderr.items():
        assert b"Traceback" not in text, f"{name}: {text.decode()}"


async def _refunded(cluster: Cluster, reservation_id: int) -> bool:
    [row] = await cluster.sql("SELECT status FROM reservations WHERE id = $1", reservation_id)
    return bool(row["status"] == "refunded")


async def _all_pushed(telegram: FakeTelegram) -> bool:
    return all(telegram.sent("sendPhoto", user_id) for user_id in SUBSCRIBERS)


async def _led_by_another(cluster: Cluster, dead: set[str]) -> bool:
    leaders = await cluster.leaders()
    return len(leaders) == 1 and leaders[0] not in dead
