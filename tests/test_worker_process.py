"""`python -m bot worker` as its own process on a real Redis: `python -m bot web` takes the
button press (by webhook from the local Bot API stand-in) and queues the post; a worker
paints it and the photo arrives. SIGTERM lets the running post finish; kill -9 mid-post
hands it to another worker: one photo, 2 tokens, no refund."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.jobs.broker import GROUP, STREAM
from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, ProviderAPI
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import STARTUP, TOKEN, User, stop, walk_studio
from tests.test_startup import clean_env, one_line
from tests.test_web import SECRET, unused_port

IMAGE_MODEL = "gemini-2.5-flash-image"


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI(latency=2.0)  # every image takes two seconds to paint
    await api.start()
    yield api
    await api.stop()


class Deployment:
    """One `web` and any number of `worker` processes on one database and one Redis."""

    def __init__(self, tmp_path: Path, server: BotAPIServer, redis_url: str, api: str) -> None:
        self.port = unused_port()
        self.server = server
        self.database = tmp_path / "bot.db"
        self.env = clean_env(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE=server.base_url,
            ADMIN_IDS=str(ADMIN_ID),
            REDIS_URL=redis_url,
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
            GENERATION_TIMEOUT="20",
            SWEEP_MARGIN="10",
            SWEEP_INTERVAL="0.5",
            JOB_REDELIVERY_SECONDS="2",
        )
        self.cwd = tmp_path
        self.processes: list[asyncio.subprocess.Process] = []
        self.ops_ports: dict[int, int] = {}
        """Each process's operations port, by its pid."""

    async def start(self, command: str) -> asyncio.subprocess.Process:
        ops_port = unused_port()  # each process on this host its own
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            cwd=self.cwd,
            env={**self.env, "OPS_PORT": str(ops_port)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self.processes.append(process)
        self.ops_ports[process.pid] = ops_port
        return process

    async def migrate(self) -> None:
        """`python -m bot migrate`, as a deployment runs it before its workers start (a
        worker only checks the schema: bot/startup.py `schema_problem`)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "migrate",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()

    async def start_web(self, telegram: FakeTelegram) -> None:
        await self.start("web")
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        self.server.deliver_queued(f"http://127.0.0.1:{self.port}/telegram/webhook")

    def ledger_kinds(self) -> list[str]:
        with sqlite3.connect(self.database) as db:
            rows = db.execute("SELECT kind FROM ledger WHERE user_id = ?", (PARTNER_ID,))
            return [row[0] for row in rows]

    async def stop_all(self) -> list[bytes]:
        return [await stop(process) for process in self.processes]


@pytest.fixture
async def deployment(
    tmp_path: Path, server: BotAPIServer, redis_url: str, providers: ProviderAPI
) -> AsyncIterator[Deployment]:
    made = Deployment(tmp_path, server, redis_url, providers.base_url)
    await made.migrate()  # workers start first here, and a worker never migrates
    yield made
    for stderr in await made.stop_all():
        assert b"Traceback" not in stderr, stderr.decode()


async def order_a_post(deployment: Deployment, telegram: FakeTelegram) -> User:
    await deployment.start_web(telegram)
    admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)
    admin.say(f"/pro {PARTNER_ID} on")
    await admin.sees("PRO is on for 1001. Balance: 500")
    await walk_studio(partner)
    return partner


async def test_sigterm_lets_the_workers_running_post_finish(deployment, telegram, providers):
    worker = await deployment.start("worker")
    partner = await order_a_post(deployment, telegram)
    await telegram.wait_for(lambda: bool(providers.calls_to(IMAGE_MODEL)), 30)  # painting
    worker.send_signal(signal.SIGTERM)  # as a deploy or a scale-down does
    await asyncio.sleep(0.5)
    assert worker.returncode is None  # still finishing the post
    _, stderr = await asyncio.wait_for(worker.communicate(), 30)
    assert worker.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()
    await partner.sees("2 tokens spent, 498 left")
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert len(providers.calls_to(IMAGE_MODEL)) == 1
    assert telegram.errors == []


async def holder_pid(redis_url: str) -> int:
    """The process of the worker that holds the (one) job: its consumer name says."""
    client = Redis.from_url(redis_url)
    try:
        pending = await client.xpending_range(STREAM, GROUP, "-", "+", 10)
    finally:
        await client.aclose()
    assert len(pending) == 1
    return int(pending[0]["consumer"].decode().split(":")[1])


async def test_a_killed_workers_post_is_finished_by_another_once(
    deployment, telegram, providers, redis_url
):
    workers = [await deployment.start("worker") for _ in range(2)]
    partner = await order_a_post(deployment, telegram)
    await telegram.wait_for(lambda: bool(providers.calls_to(IMAGE_MODEL)), 30)  # painting
    pid = await holder_pid(redis_url)
    painting = next(w for w in workers if w.pid == pid)
    painting.kill()  # SIGKILL: nothing settles, nothing is acknowledged
    await painting.communicate()
    assert not telegram.sent("sendPhoto", PARTNER_ID)

    # The other worker takes the job over once it has been idle 2 s, and paints it again.
    await partner.sees("2 tokens spent, 498 left", timeout=30)
    await asyncio.sleep(1)  # the sweeper (every 0.5 s) has had its chances
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert len(providers.calls_to(IMAGE_MODEL)) == 2  # painted again by the second worker
    assert not any("interrupted" in m.visible for m in partner.messages())
    kinds = deployment.ledger_kinds()
    assert kinds.count("reserve") == 1 and kinds.count("commit") == 1
    assert "refund" not in kinds
    partner.say("/balance")
    await partner.sees("Your balance: 498 tokens")
    assert telegram.errors == []


def run_worker(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "worker"],
        cwd=tmp_path,
        env=clean_env(tmp_path, BOT_TOKEN=TOKEN, **values),
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=False,
    )


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({}, "error: REDIS_URL is not set: "),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/15", "JOB_REDELIVERY_SECONDS": "300"},
            "error: settings is invalid: ",
        ),
    ],
)
def test_a_worker_that_cannot_work_says_why_in_one_line(tmp_path, values, line):
    result = run_worker(tmp_path, **values)
    assert result.returncode == 2
    assert one_line(result).startswith(line)
