"""A deployment for the benchmarks, as production runs it: `python -m bot web` takes the
updates Telegram (the local Bot API stand-in, in this process) delivers by webhook, and
`python -m bot worker` processes make the posts from the Redis queue, on one database
(PostgreSQL in a fresh schema, dropped afterwards, or an SQLite file).

The stand-in delivers like Telegram with `max_connections=40`: up to 40 updates in flight
to the webhook at once (one user's updates in order, because each user waits for the
bot's answer before pressing the next button)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import asyncpg
from redis.asyncio import Redis

from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram, StoredMessage
from tests.test_e2e import TOKEN
from tests.test_startup import clean_env

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/5"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
ADMIN = 1
SECRET = "bench-secret"
WEBHOOK_CONNECTIONS = 40
WIZARD = ("FOMO Builder", "Digital Nomads", "English", "No link")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One `web`, any number of `worker` processes, one database and Redis DB 5 (flushed
    at start and at the end: only that database)."""

    def __init__(self, database: str = "postgresql", **settings: str) -> None:
        self.database = database
        self.telegram = FakeTelegram()
        self.server = BotAPIServer(self.telegram)
        self.port = unused_port()
        self.schema = f"bench_{secrets.token_hex(4)}"
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-cluster-")
        self.tmp = Path(self._tmp.name)
        self.settings = settings
        self.web: asyncio.subprocess.Process | None = None
        self.workers: list[asyncio.subprocess.Process] = []
        self._delivery: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._logs: dict[int, Path] = {}

    @property
    def database_url(self) -> str:
        if self.database == "postgresql":
            return POSTGRES_URL
        return f"sqlite:///{self.tmp / 'bot.sqlite3'}"

    def env(self) -> dict[str, str]:
        values = {
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": self.server.base_url,
            "ADMIN_IDS": str(ADMIN),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            "WEBHOOK_URL": "https://bot.example.com",
            "WEBHOOK_SECRET": SECRET,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            "SCHEDULER_ENABLED": "false",  # its start-up catch-up would paint 12 images
            "GENERATION_TIMEOUT": "600",  # 100 posts queued behind one worker on a busy box
            **self.settings,
        }
        if self.database == "postgresql":
            values["DATABASE_SCHEMA"] = self.schema
        return clean_env(self.tmp, **values)

    async def __aenter__(self) -> Cluster:
        await self._flush()
        await self.server.start()
        migrate = await self._spawn("migrate")
        if await migrate.wait() != 0:
            raise RuntimeError(f"migrate failed: {self.stderr(migrate)}")
        self.web = await self._spawn("web")
        await self.telegram.wait_for(lambda: self.telegram.webhook is not None, 60)
        self._delivery = asyncio.create_task(self._deliver())
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        problems = []
        for process in [*self.workers, *([self.web] if self.web else [])]:
            if not await stop(process):
                problems.append(f"process {process.pid} did not stop within 30 s of SIGTERM")
            if "Traceback" in (stderr := self.stderr(process)):
                problems.append(stderr)
        await self.server.stop()
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, *self._in_flight, return_exceptions=True)
        await self._flush()
        if self.database == "postgresql":
            connection = await asyncpg.connect(POSTGRES_URL)
            try:
                await connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            finally:
                await connection.close()
        self._tmp.cleanup()
        if problems and kind is None:
            raise RuntimeError("a bot process failed:\n" + "\n".join(problems))

    async def _spawn(self, command: str) -> asyncio.subprocess.Process:
        """The process's stderr goes to a file (a pipe nobody reads could fill up)."""
        log = self.tmp / f"{command}-{len(self._logs)}.log"
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                command,
                cwd=self.tmp,
                # Each process its own operations port (/metrics, /readyz) on this host.
                env={**self.env(), "OPS_PORT": str(unused_port())},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        self._logs[process.pid] = log
        return process

    def stderr(self, process: asyncio.subprocess.Process) -> str:
        return self._logs[process.pid].read_text(errors="replace")

    async def _flush(self) -> None:
        client = Redis.from_url(REDIS_URL)
        try:
            await client.flushdb()
        finally:
            await client.aclose()

    # ----- Telegram's side: webhook delivery ---------------------------------------------

    async def _deliver(self) -> None:
        slots = asyncio.Semaphore(WEBHOOK_CONNECTIONS)
        url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as session:
            while (update := await self.telegram.take_update()) is not None:
                await slots.acquire()
                task = asyncio.create_task(self._post(session, url, headers, update, slots))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)

    async def _post(
        self,
        session: aiohttp.ClientSession,
        url: str,
        headers: dict[str, str],
        update: dict[str, Any],
        slots: asyncio.Semaphore,
    ) -> None:
        try:
            while True:  # Telegram retries an update until the webhook answers 2xx
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.post(url, json=update, headers=headers) as response:
                        await response.read()
                        if 200 <= response.status < 300:
                            return
                await asyncio.sleep(0.2)
        finally:
            slots.release()

    # ----- the bot's side ------------------------------------------------------------------

    async def start_workers(self, count: int) -> None:
        """`count` more `python -m bot worker` processes, back once each reads the queue."""
        self.workers += [await self._spawn("worker") for _ in range(count)]
        client = Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 120
        try:
            while True:
                # Redis 7.0 lists a consumer only once it has read a message: count the
                # connections reading the stream instead.
                clients: Any = await client.client_list()
                reading = [c for c in clients if c["db"] == "5" and c["cmd"] in _READS]
                if len(reading) >= len(self.workers):
                    return
                for worker in self.workers:
                    if worker.returncode is not None:
                        raise RuntimeError(f"a worker died: {self.stderr(worker)}")
                if time.monotonic() > deadline:
                    raise RuntimeError("workers did not start within 120 s")
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()

    async def partners_at_generate(self, users: list[int]) -> None:
        """Each user is PRO (the admin says so) and has walked the studio wizard up to its
        Generate button: all of them one step at a time (one scan of the stand-in's
        messages per look, so that looking does not starve the stand-in itself)."""
        telegram = self.telegram
        await self.make_pro(users)
        for user in users:
            telegram.message_update(user, "/studio")
        for label in (*WIZARD, "Generate"):
            await self._until(partial(self._all_at, users, label))
            if label != "Generate":
                self.press(users, label)

    async def make_pro(self, users: list[int]) -> None:
        """The admin turns PRO on for each user, in the chat."""
        telegram = self.telegram
        telegram.add_user(ADMIN, "Admin")
        for user in users:
            telegram.add_user(user, f"User{user}")
            telegram.message_update(ADMIN, f"/pro {user} on")
        await self._until(lambda: _count(telegram, ADMIN, "PRO is on") == len(users))

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _all_at(self, users: list[int], label: str) -> bool:
        last = self._last_with_buttons()
        return all(
            user in last and any(label in b["text"] for b in last[user].buttons) for user in users
        )

    def _last_with_buttons(self) -> dict[int, StoredMessage]:
        last: dict[int, StoredMessage] = {}
        for (chat, _), message in sorted(self.telegram.messages.items()):
            if message.buttons:
                last[chat] = message
        return last

    async def _until(self, done: Callable[[], bool], timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not get there within {timeout} s")
            await asyncio.sleep(0.1)

    def press(self, users: list[int], label: str) -> float:
        """Every user presses the button `label` of their last keyboard now; returns the
        moment (perf_counter)."""
        last = self._last_with_buttons()
        started = time.perf_counter()
        for user in users:
            self.telegram.press(user, last[user], label)
        return started

    def press_generate(self, users: list[int]) -> float:
        return self.press(users, "Generate")

    async def photos(self, users: list[int], timeout: float) -> list[float]:
        """Once every user has a photo: the moment (perf_counter) each one arrived."""
        wanted = set(users)
        deadline = time.monotonic() + timeout
        while True:
            arrived = {c.params["chat_id"]: c.at for c in self.telegram.sent("sendPhoto")}
            got = {int(chat): at for chat, at in arrived.items() if int(chat) in wanted}
            if len(got) == len(wanted):
                return [got[user] for user in users]
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(got)} of {len(wanted)} photos after {timeout} s")
            await asyncio.sleep(0.05)

    def process_cpu(self) -> dict[str, float]:
        """CPU seconds so far: the web process, the workers together, this process."""
        assert self.web is not None
        return {
            "web": cpu_seconds(self.web.pid),
            "workers": sum(cpu_seconds(w.pid) for w in self.workers),
            "stand_in": time.process_time(),
        }


_READS = ("xreadgroup", "xautoclaim")


def _count(telegram: FakeTelegram, chat: int, text: str) -> int:
    return sum(text in m.visible for m in telegram.chat_messages(chat))


async def stop(process: asyncio.subprocess.Process) -> bool:
    """SIGTERM, as a deploy does; killed (False) if it does not stop within 30 s."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()
        return False
    return True


def load_average() -> float:
    return round(os.getloadavg()[0], 2)
