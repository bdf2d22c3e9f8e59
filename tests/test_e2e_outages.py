"""Chaos on the multi-process deployment: a `bot web` and a `bot worker` on a PostgreSQL
database and a `redis-server` of this test's own (never the machine's shared ones), the
local Bot API stand-in delivering by webhook, an image model that takes a while.

1. Redis is stopped while partners' posts are being painted (and two more partners press
   Generate as it goes) and started again a few seconds later.
2. Every PostgreSQL connection of the bot is killed (`pg_terminate_backend`), again and
   again, from the presses to the commits.

After each: every press ends as its post (one photo, 2 tokens spent), refunded and told,
or turned down at the press with a message (0 spent either way): balances exact, nothing
held, nothing hanging; every process still beats; and they serve again by themselves: a
press after the outage gets its post."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from bot.jobs.broker import GROUP, STREAM
from tests.conftest import ADMIN_ID
from tests.databases import TEST_DATABASE_URL, require_postgresql
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, ProviderAPI
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import STARTUP, TOKEN, User, stop
from tests.test_startup import clean_env
from tests.test_web import SECRET, unused_port

IMAGE_MODEL = "gemini-2.5-flash-image"
PAINTING = 2.0
"""Seconds the image model takes per picture."""
HEARTBEAT = 1.0
"""Seconds between two heartbeats of a process (OWNER_TIMEOUT is four of them)."""
SETTLED = 60.0
"""Seconds by which every press has ended (its post, or its refund and a message)."""
LOST_CONNECTION = (
    "terminating connection due to administrator command",
    "connection was closed in the middle of operation",
    "the underlying connection is closed",
    "another operation",
)
"""How asyncpg says a connection was ended under a statement (the last line of the
traceback of a press that failed, or of a job handed back, in the database test)."""
POSTED = "2 tokens spent, 498 left"
REFUNDED = re.compile(r"tokens are back|tokens were returned")
DECLINED = (
    "Something went wrong on our side. Please try again in a moment.",
    "This button has expired.",  # a Redis that came back empty forgot the conversation
)


class OwnRedis:
    """A `redis-server` of this test's own, on a free port, that the test stops and starts
    (with an append-only file, as a deployment that keeps its queue across restarts)."""

    def __init__(self, folder: Path, *, keeps_data: bool = True) -> None:
        self.folder = folder
        self.keeps_data = keeps_data
        """False: a Redis without persistence, that comes back empty (no queue, no group,
        no conversation state)."""
        self.port = unused_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = await asyncio.create_subprocess_exec(
            binary,
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
            "--save", "", "--appendonly", "yes" if self.keeps_data else "no",
            "--appendfsync", "always",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis.from_url(self.url)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    await client.ping()
                    return
                except (RedisError, OSError):
                    assert time.monotonic() < deadline, "redis-server did not start"
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """SIGTERM, as a restart by its supervisor does (the append-only file is on disk)."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        self.process = None


def _redis_server_problem() -> str | None:
    return None if shutil.which("redis-server") else "redis-server is not installed"


@pytest.fixture
async def own_redis(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[OwnRedis]:
    """Keeps its data across a restart unless the test says otherwise (`indirect`)."""
    if problem := _redis_server_problem():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (required under CI)")
        pytest.skip(problem)
    server = OwnRedis(tmp_path, keeps_data=getattr(request, "param", True))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def own_database() -> AsyncIterator[str]:
    """A PostgreSQL database of this test's own (its connections are the bot's alone)."""
    require_postgresql()
    name = f"chaos_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    yield f"{TEST_DATABASE_URL.rsplit('/', 1)[0]}/{name}"
    admin = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI(latency=PAINTING)
    await api.start()
    yield api
    await api.stop()


class Deployment:
    """One `web` and one `worker` process on the test's own database and Redis."""

    def __init__(
        self, tmp_path: Path, server: BotAPIServer, redis: OwnRedis, database: str, api: str
    ) -> None:
        self.server = server
        self.redis = redis
        self.database = database
        self.port = unused_port()
        self.cwd = tmp_path
        self.env = clean_env(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=server.base_url,
            ADMIN_IDS=str(ADMIN_ID),
            DATABASE_URL=database,
            DATABASE_POOL_SIZE="2",  # PostgreSQL's connections are shared by many here
            REDIS_URL=redis.url,
            WEBHOOK_URL="https://bot.example.com",
            WEBHOOK_SECRET=SECRET,
            WEB_HOST="127.0.0.1",
            WEB_PORT=str(self.port),
            LOG_LEVEL="WARNING",
            SCHEDULER_ENABLED="false",
            GOOGLE_API_KEY=GOOGLE_KEY,
            GOOGLE_GEMINI_BASE_URL=api,
            IMAGE_MODELS=f"google:{IMAGE_MODEL}",
            TEXT_MODELS="local",
            GENERATION_TIMEOUT="40",
            SWEEP_MARGIN="10",
            SWEEP_INTERVAL="1",
            JOB_REDELIVERY_SECONDS="2",
            WORKER_CONCURRENCY="8",
            HEARTBEAT_SECONDS=str(HEARTBEAT),
            OWNER_TIMEOUT=str(4 * HEARTBEAT),
        )
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.forgiven: tuple[str, ...] = ()
        """Errors whose tracebacks a test expects in the logs (by their last line)."""

    async def start(self, name: str, command: str) -> None:
        self.processes[name] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m", "bot", command,
            cwd=self.cwd,
            env={**self.env, "OPS_PORT": str(unused_port())},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    async def start_all(self, telegram: FakeTelegram) -> None:
        await self.start("migrate", "migrate")
        migrate = self.processes.pop("migrate")
        _, problem = await migrate.communicate()
        assert migrate.returncode == 0, problem.decode()
        await self.start("web", "web")
        await self.start("worker", "worker")
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        await wait_until(self._worker_up, STARTUP, "the worker's start")
        self.server.deliver_queued(f"http://127.0.0.1:{self.port}/telegram/webhook")

    async def _worker_up(self) -> bool:
        """The worker has registered its incarnation: its start-up checks are behind it
        (an outage from then on is one it must ride out)."""
        worker = self.processes["worker"]
        assert worker.returncode is None, "the worker exited while starting"
        rows = await self.sql(
            "SELECT 1 FROM incarnations WHERE role = 'worker' AND pid = $1", worker.pid
        )
        return bool(rows)

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def kill_connections(self) -> int:
        """Ends every connection to the bot's database but the one asking (PostgreSQL's
        `pg_terminate_backend`, as a failover or an administrator does). How many."""
        rows = await self.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return len(rows)

    async def all_beating(self) -> None:
        """Every process still renews its heartbeat (one that stopped would be taken for
        dead, and its work taken over, while it still runs)."""
        ages = await self.sql(
            "SELECT pid, extract(epoch FROM clock_timestamp()) - beat_at AS age"
            " FROM incarnations WHERE stopped_at IS NULL"
        )
        beating = {row["pid"] for row in ages if row["age"] < 2 * HEARTBEAT + 1}
        for name, process in self.processes.items():
            assert process.returncode is None, f"{name} exited"
            assert process.pid in beating, f"{name} stopped beating: {ages}"

    async def stop_all(self) -> dict[str, bytes]:
        return {name: await stop(p) for name, p in self.processes.items()}


@pytest.fixture
async def deployment(
    tmp_path: Path,
    server: BotAPIServer,
    own_redis: OwnRedis,
    own_database: str,
    providers: ProviderAPI,
    telegram: FakeTelegram,
) -> AsyncIterator[Deployment]:
    made = Deployment(tmp_path, server, own_redis, own_database, providers.base_url)
    try:
        await made.start_all(telegram)
        yield made
    finally:
        stderr = await made.stop_all()
    for name, text in stderr.items():
        for record in tracebacks(text.decode()):
            last = record.strip().splitlines()[-1]
            assert any(lost in last for lost in made.forgiven), f"{name}: {record}"


def tracebacks(log: str) -> list[str]:
    """The log records (a record starts with its time) that carry a traceback."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", log)
    return [record for record in records if "Traceback" in record]


async def make_partners(telegram: FakeTelegram, ids: list[int]) -> list[Partner]:
    admin = User(telegram, ADMIN_ID)
    for user_id in ids:
        telegram.add_user(user_id, f"Partner{user_id}")
        admin.say(f"/pro {user_id} on")
    for user_id in ids:
        await admin.sees(f"PRO is on for {user_id}. Balance: 500", timeout=60)
    return [Partner(telegram, user_id) for user_id in ids]


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.1)


async def jobs_in_flight(redis_url: str, count: int) -> None:
    """Until the worker holds `count` jobs (read, not acknowledged: painting)."""
    client = Redis.from_url(redis_url)
    try:

        async def held() -> bool:
            try:
                pending = await client.xpending_range(STREAM, GROUP, "-", "+", 100)
            except ResponseError:  # no group yet: the worker is still starting
                return False
            return len(pending) >= count

        await wait_until(held, 30, f"the worker holds {count} jobs")
    finally:
        await client.aclose()


class Partner(User):
    """A partner who orders one post; remembers the Generate press (its callback id)."""

    pressed: str = ""

    async def orders_a_post(self) -> None:
        await self.at_the_confirm_screen()
        self.presses_generate()

    async def at_the_confirm_screen(self) -> None:
        await walk_studio_to_generate(self)
        await self.telegram.wait_for(lambda: self._generate_button() is not None, 20)

    def presses_generate(self) -> None:
        message = self.telegram.last_with_buttons(self.user_id)
        update = self.telegram.press(self.user_id, message, "Generate")
        self.pressed = update["callback_query"]["id"]

    def _generate_button(self) -> object | None:
        messages = [m for m in self.messages() if m.buttons]
        if not messages:
            return None
        return next((b for b in messages[-1].buttons if "Generate" in b["text"]), None)

    def told_at_the_press(self) -> str:
        """What the answer to the Generate press said (an alert), if anything."""
        answers = self.telegram.sent("answerCallbackQuery")
        said = [
            c.params.get("text", "")
            for c in answers
            if c.params.get("callback_query_id") == self.pressed
        ]
        return " ".join(str(text) for text in said)


async def walk_studio_to_generate(partner: User) -> None:
    """tests/test_e2e.py walk_studio up to the confirm screen (Generate not pressed)."""
    partner.say("/start")
    await partner.press("Viral Studio")
    await partner.press("Success Story")
    await partner.press("Investors")
    await partner.press("English")
    await partner.sees("Send your referral link")
    partner.say("https://example.com/ref/e2e?x=1&y=2")


def outcome(telegram: FakeTelegram, partner: Partner) -> str | None:
    """'posted' (its photo and the spent line), 'refunded' (told so), 'declined' (the
    press itself failed and said so: try again; nothing was taken), or None (not yet)."""
    texts = [m.visible for m in partner.messages()]
    if any(POSTED in text for text in texts) and telegram.sent("sendPhoto", partner.user_id):
        return "posted"
    if any(REFUNDED.search(text) for text in texts):
        return "refunded"
    if any(said in partner.told_at_the_press() for said in DECLINED):
        return "declined"
    return None


async def every_press_ended(
    deployment: Deployment, telegram: FakeTelegram, partners: list[Partner]
) -> dict[int, str]:
    """Waits until each partner's press has ended, then checks the books: a post costs 2
    tokens once and sends one photo; a refund or a declined press costs nothing and sends
    none; nothing is left held."""

    async def ended() -> bool:
        return all(outcome(telegram, p) for p in partners)

    await wait_until(ended, SETTLED, "every press ended (posted, or refunded and told)")
    await asyncio.sleep(2)  # a second photo or a late refund, if any, would show now
    ids = [p.user_id for p in partners]
    ends = {p.user_id: outcome(telegram, p) or "" for p in partners}
    rows = await deployment.sql(
        "SELECT user_id, allowance + bonus AS balance FROM accounts WHERE user_id = ANY($1)", ids
    )
    balances = {row["user_id"]: row["balance"] for row in rows}
    ledger = await deployment.sql(
        "SELECT user_id, kind, COUNT(*) AS n FROM ledger WHERE user_id = ANY($1)"
        " AND kind IN ('reserve', 'commit', 'refund') GROUP BY user_id, kind",
        ids,
    )
    counted = {(row["user_id"], row["kind"]): row["n"] for row in ledger}
    for user_id, end in ends.items():
        photos = len(telegram.sent("sendPhoto", user_id))
        if end == "posted":
            assert (balances[user_id], photos) == (498, 1), (user_id, ends)
            assert counted.get((user_id, "commit")) == 1, user_id
            assert (user_id, "refund") not in counted, user_id
        else:
            assert (balances[user_id], photos) == (500, 0), (user_id, ends)
            assert (user_id, "commit") not in counted, user_id
    held = await deployment.sql("SELECT id FROM reservations WHERE status = 'held'")
    assert held == [], "a hold was left behind"
    return ends


async def serves_again(telegram: FakeTelegram, partner: Partner) -> None:
    """A press after the outage gets its post: the processes recovered by themselves."""
    await partner.orders_a_post()
    await telegram.wait_for(lambda: outcome(telegram, partner) == "posted", SETTLED)


@pytest.mark.parametrize("own_redis", [True, False], ids=["kept", "lost"], indirect=True)
async def test_redis_restarted_mid_run_every_press_ends_and_the_bot_serves_again(
    deployment, telegram, providers
):
    partners = await make_partners(telegram, [2001 + n for n in range(4)])
    await asyncio.gather(*(p.orders_a_post() for p in partners))
    await jobs_in_flight(deployment.redis.url, len(partners))
    late = await make_partners(telegram, [2011, 2012])  # at Generate when Redis goes
    await asyncio.gather(*(p.at_the_confirm_screen() for p in late))

    await deployment.redis.stop()  # mid-painting: the worker holds every job
    for partner in late:  # Telegram delivers again what the webhook could not take
        partner.presses_generate()
    await asyncio.sleep(4)
    await deployment.redis.start()

    ends = await every_press_ended(deployment, telegram, partners + late)
    assert set(ends.values()) <= {"posted", "refunded", "declined"}
    await deployment.all_beating()
    [later] = await make_partners(telegram, [2101])
    await serves_again(telegram, later)
    assert telegram.errors == []


async def test_database_connections_killed_mid_run_every_press_ends_and_serves_again(
    deployment, telegram, providers
):
    # A press whose transaction loses its connection fails, says so and takes nothing; a
    # job that loses it is handed back and runs again: both log their tracebacks.
    deployment.forgiven = LOST_CONNECTION
    partners = await make_partners(telegram, [2001 + n for n in range(4)])
    await asyncio.gather(*(p.orders_a_post() for p in partners))

    # From the presses (holds being made, jobs queued and adopted) through the paintings
    # to the commits: every connection of the bot is killed, again and again.
    killed, until = 0, time.monotonic() + 2 * PAINTING + 2
    while time.monotonic() < until:
        killed += await deployment.kill_connections()
        await asyncio.sleep(0.2)
    assert killed > 0

    ends = await every_press_ended(deployment, telegram, partners)
    assert set(ends.values()) <= {"posted", "refunded", "declined"}
    await deployment.all_beating()
    [later] = await make_partners(telegram, [2101])
    await serves_again(telegram, later)
    assert telegram.errors == []
