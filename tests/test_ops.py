"""The operations listener (bot/http/health.py): /metrics and /readyz only there, never on
the public listener; the public /healthz says one word; readiness is probed at most once
every few seconds however often it is asked (pings counted by a Redis of the test's own)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import httpx2
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.config import Settings
from bot.http.health import Readiness, create_ops_app
from services.infra.db import Database
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import STARTUP, stop
from tests.test_web import Web, open_web, unused_port, webhook_settings
from tests.test_web_process import start_web
from tests.test_worker_process import Deployment

PRIVATE = ["/metrics", "/readyz", "/metrics/", "/readyz/", "/metrics?name[]=x"]


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[str]:
    """A redis-server of this test's own: its command counts are this test's alone."""
    port = unused_port()
    process = await asyncio.create_subprocess_exec(
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = Redis.from_url(url)
        try:
            for _ in range(200):
                with contextlib.suppress(OSError, RedisError):
                    if await client.ping():
                        break
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()
        yield url
    finally:
        process.terminate()
        await process.wait()


async def pings(url: str) -> int:
    """PING commands the server has run (INFO commandstats; INFO itself is not one)."""
    client = Redis.from_url(url)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return int(stats.get("cmdstat_ping", {}).get("calls", 0))


class CountedDatabase(Database):
    """The real database, counting the readiness pings it answers."""

    pinged = 0

    async def ping(self) -> None:
        self.pinged += 1
        await super().ping()


async def test_the_public_listener_serves_neither_metrics_nor_readiness(web: Web):
    for path in PRIVATE:
        answer = await web.client.get(path)
        assert answer.status_code == 404, path
        assert "bot_" not in answer.text and "database" not in answer.text
    health = await web.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


async def test_the_operations_listener_serves_them(web: Web):
    await web.post(web.telegram.message_update(1001, "/start"))
    await web.settled()
    metrics = await web.ops.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'bot_updates_total{type="message"}' in metrics.text
    ready = await web.ops.get("/readyz")
    assert (ready.status_code, ready.json()) == (
        200,
        {"ready": True, "database": "ok", "redis": "not configured"},
    )
    assert (await web.ops.get("/healthz")).json() == {"status": "ok"}
    assert (await web.ops.get("/telegram/webhook")).status_code == 404  # nothing public


async def test_the_public_health_names_no_error(settings: Settings, telegram: FakeTelegram):
    unreachable = webhook_settings(settings, redis_url=f"redis://127.0.0.1:{unused_port()}/0")
    async for web in open_web(unreachable, telegram):
        health = await web.client.get("/healthz")
        assert (health.status_code, health.json()) == (503, {"status": "failed"})
        detail = (await web.ops.get("/readyz")).json()
        assert detail["redis"].startswith("failed: ")  # the operator sees why


@pytest.fixture
async def counted_db(tmp_path: Path) -> AsyncIterator[CountedDatabase]:
    db = CountedDatabase(tmp_path / "ready.sqlite3")
    await db.connect()
    yield db
    await db.close()


async def test_a_thousand_readiness_calls_at_once_make_one_ping_each(
    own_redis: str, counted_db: CountedDatabase
):
    redis = Redis.from_url(own_redis)
    readiness = Readiness(counted_db, redis)
    transport = httpx2.ASGITransport(app=create_ops_app(readiness))
    before = await pings(own_redis)
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://ops") as ops:
            answers = await asyncio.gather(*(ops.get("/readyz") for _ in range(1000)))
            answers += [await ops.get("/healthz") for _ in range(100)]
    finally:
        await redis.aclose()
    assert {a.status_code for a in answers} == {200}
    assert await pings(own_redis) - before == readiness.probes
    assert readiness.probes <= 2  # one, and another only if the calls outlasted READY_TTL
    assert counted_db.pinged == readiness.probes


async def test_readiness_is_probed_again_once_it_is_a_few_seconds_old(
    own_redis: str, counted_db: CountedDatabase
):
    now = [0.0]
    redis = Redis.from_url(own_redis)
    readiness = Readiness(counted_db, redis, ttl=5.0, clock=lambda: now[0])
    transport = httpx2.ASGITransport(app=create_ops_app(readiness))
    before = await pings(own_redis)
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://ops") as ops:
            for _ in range(1000):  # 1000 calls over 12 seconds
                assert (await ops.get("/readyz")).status_code == 200
                now[0] += 0.012
    finally:
        await redis.aclose()
    assert readiness.probes == 3  # at 0, 5 and 10 s
    assert await pings(own_redis) - before == 3
    assert counted_db.pinged == 3


async def test_a_failure_is_seen_at_the_next_probe(own_redis: str, counted_db: CountedDatabase):
    now = [0.0]
    redis = Redis.from_url(own_redis)
    readiness = Readiness(counted_db, redis, ttl=5.0, clock=lambda: now[0])
    try:
        assert (await readiness.state()).ready
        await counted_db.close()
        assert (await readiness.state()).ready  # the last result, still fresh
        now[0] = 5.0
        state = await readiness.state()
    finally:
        await redis.aclose()
    assert not state.ready
    assert state.checks["database"].startswith("failed: ")
    assert state.checks["redis"] == "ok"


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at `port` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:  # noqa: PTH123
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hexport = local.split(":")
                if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


async def refused(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def status_and_text(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


async def test_web_serves_operations_on_loopback_only_and_nothing_of_them_in_public(
    server: BotAPIServer, telegram: FakeTelegram, tmp_path: Path
):
    port, ops_port = unused_port(), unused_port()
    process = await start_web(
        tmp_path,
        server,
        port,
        WEB_HOST="0.0.0.0",
        OPS_PORT=str(ops_port),  # noqa: S104
    )
    try:
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        assert listening_addresses(ops_port) == {"0100007F"}  # 127.0.0.1, nothing else
        assert listening_addresses(port) == {"00000000"}  # the public one: every address
        other = "127.0.0.2"  # this host, another address: the public port answers there
        assert not await refused(other, port)
        assert await refused(other, ops_port)
        public, ops = f"http://{other}:{port}", f"http://127.0.0.1:{ops_port}"
        for path in PRIVATE:
            assert (await status_and_text(public + path))[0] == 404, path
        assert await status_and_text(f"{public}/healthz") == (200, '{"status":"ok"}')
        status, text = await status_and_text(f"{ops}/metrics")
        assert status == 200 and "bot_webhook_rejections_total" in text
        status, text = await status_and_text(f"{ops}/readyz")
        assert status == 200 and '"database":"ok"' in text
    finally:
        stderr = await stop(process)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()


def test_the_default_is_loopback():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.ops_address("web") == ("127.0.0.1", 9090)
    assert settings.ops_address("worker") == ("127.0.0.1", 9091)  # the Procfile's pair
    older = Settings(_env_file=None, worker_metrics_port=9200)  # type: ignore[call-arg]
    assert older.ops_address("worker") == ("127.0.0.1", 9200)
    assert older.ops_address("web") == ("127.0.0.1", 9090)


@pytest.fixture
async def web(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Web]:
    async for opened in open_web(webhook_settings(settings), telegram):
        yield opened


async def answering(url: str, timeout: float = STARTUP) -> tuple[int, str]:
    """The first answer at `url` once the process listens there."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await status_and_text(url)
        except aiohttp.ClientConnectionError:
            assert asyncio.get_running_loop().time() < deadline, f"nothing at {url}"
            await asyncio.sleep(0.2)


async def test_a_worker_serves_operations_on_loopback(
    server: BotAPIServer, redis_url: str, tmp_path: Path
):
    deployment = Deployment(tmp_path, server, redis_url, "http://127.0.0.1:9")
    await deployment.migrate()
    worker = await deployment.start("worker")
    ops = f"http://127.0.0.1:{deployment.ops_ports[worker.pid]}"
    try:
        status, text = await answering(f"{ops}/readyz")
        assert status == 200 and '"redis":"ok"' in text and '"database":"ok"' in text
        status, text = await status_and_text(f"{ops}/metrics")
        assert status == 200 and "bot_is_leader" in text
        assert listening_addresses(deployment.ops_ports[worker.pid]) == {"0100007F"}
    finally:
        (stderr,) = await deployment.stop_all()
    assert worker.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()
