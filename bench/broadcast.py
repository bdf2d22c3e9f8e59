"""The daily push to many subscribers, over real HTTP, against a loopback Bot API stand-in
in another process: the bot's own broadcaster, database, shared pace and upload-once logic.

Rate runs (issue 12): the stand-in *enforces* Telegram's limit: a token bucket at RATE
(1000 msg/s, paid broadcast) holding STANDIN_BURST_SECONDS of it; a send that finds it
empty is answered 429 "retry after" the whole seconds until a token is back (at least 1),
and only then. SUBSCRIBERS subscribers over the 12 signs, sent by 1 and then by 2 bot
processes that share one database and one Redis (the pace and the 429 pause; the bench's
Redis database is emptied before each run). The database is PostgreSQL, as at scale (a
fresh schema, dropped after), or with `--database sqlite` one SQLite file (WAL), whose one
writer at a time the senders' claims queue for.

Fault run: FLOOD_SUBSCRIBERS subscribers, one process, no Redis, 1 % of sends answered
"429 retry after 1 s" at random (every sender pauses a full second each time, as Telegram
asks): 0 duplicates and 0 missed, not a rate target.

push_rate_ratio = messages delivered per second (from the moment every sender starts to the
last one's end) / RATE; share_429 = sends answered 429 / sends; duplicates and missed are
counted by the stand-in (photos each subscriber received); uploads = photos sent as files.

Run: python -m bench.broadcast [--database postgresql|sqlite]
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/11)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import secrets
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import asyncpg
from redis import Redis

from bench.cluster import POSTGRES_URL
from bench.common import report
from bot.app import build_app
from bot.config import Settings
from bot.warmup import freeze_heap
from services.cosmic.astro import SIGNS
from services.infra.db import Database
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram

RATE = 1000.0
STANDIN_BURST_SECONDS = 0.1
"""Telegram does not publish its bucket; the stand-in lets a tenth of a second's worth of
messages (100 at 1000/s) go at once, twice the bot's own burst (BURST_SECONDS, 0.05 s)."""
SUBSCRIBERS = 10_000
FLOOD_SUBSCRIBERS = 1_000
FIRST_USER = 100_000
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def run_stand_in(control: Queue[str], results: Queue[object], users: int, mode: str) -> None:
    asyncio.run(_stand_in(control, results, users, mode))


async def _stand_in(control: Queue[str], results: Queue[object], users: int, mode: str) -> None:
    telegram = FakeTelegram()
    if mode == "flood":
        telegram.flood = (100, 1)  # 1 % of sends: 429, retry after 1 s
    else:
        telegram.limit = (RATE, RATE * STANDIN_BURST_SECONDS)
    server = BotAPIServer(telegram)
    for user in range(FIRST_USER, FIRST_USER + users):
        telegram.add_user(user, f"User{user}")
    results.put(await server.start())
    # Telegram does not stop taking requests now and then. This stand-in would: a full
    # collection over the thousands of messages it keeps stalls it for ~0.3 s, and the
    # sends that queued meanwhile, read at once, would empty its bucket as a burst the bot
    # never sent. Its objects are kept to the end anyway, so it runs without the collector.
    gc.freeze()
    gc.disable()
    cpu = time.process_time()
    while control.empty():
        await asyncio.sleep(0.05)
    control.get()
    received: dict[int, int] = {}
    for (chat, _), message in telegram.messages.items():
        if message.photo is not None:
            received[chat] = received.get(chat, 0) + 1
    photos = telegram.sent("sendPhoto")
    uploads = sum(1 for c in photos if not isinstance(c.params["photo"], str))
    limited = telegram.limited + (len(telegram.errors) if mode == "flood" else 0)
    results.put((received, uploads, len(photos), limited, time.process_time() - cpu))
    await server.stop()


def settings_for(
    base_url: str, folder: str, redis_url: str | None, schema: str | None
) -> Settings:
    """`schema`: a PostgreSQL schema of its own, or None for an SQLite file in `folder`."""
    return Settings(
        _env_file=None,
        bot_token="123456:BENCH",
        telegram_api_base=base_url,
        database_url=POSTGRES_URL if schema else f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
        database_schema=schema,
        media_dir=Path(folder) / "media",
        redis_url=redis_url,
        broadcast_rate=RATE,
        allow_paid_broadcast=True,
        scheduler_enabled=False,
    )


async def _prepare(settings: Settings, users: int) -> None:
    """The subscribers, and the day's 12 images painted (the nightly batch)."""
    app = await build_app(settings)
    try:
        await _subscribe(app.services.db, users)
        await app.services.batch.run(datetime.now(UTC).date())
    finally:
        await app.close(grace=1)


def run_sender(settings: Settings, go: Event, results: Queue[object]) -> None:
    results.put(asyncio.run(_send(settings, go, results)))


async def _send(
    settings: Settings, go: Event, ready: Queue[object]
) -> tuple[int, int, float, float, float]:
    """One bot process's push run, started with the others: (sent, pauses, start, end, CPU
    seconds of the process's threads during the run)."""
    app = await build_app(settings)
    freeze_heap()  # as `python -m bot worker` does once it is built
    try:
        ready.put("ready")
        await asyncio.to_thread(go.wait)
        started, cpu = time.monotonic(), time.process_time()  # monotonic: one machine clock
        result = await app.push.run(_push_time(datetime.now(UTC).date()))
        ended, cpu = time.monotonic(), time.process_time() - cpu
    finally:
        await app.close(grace=1)
    return result.sent, result.pauses, started, ended, cpu


def _push_time(today: date) -> datetime:
    # Everyone subscribed for 08:00 (BOT_TIMEZONE=UTC): the run at 08:30 sends all.
    return datetime.combine(today, clock_time(8, 30), tzinfo=UTC)


async def _subscribe(db: Database, users: int) -> None:
    now = time.time()
    async with db.transaction() as tx:
        for n in range(users):
            user = FIRST_USER + n
            await tx.execute(
                "INSERT INTO accounts (user_id, created_at, updated_at) VALUES (?, ?, ?)",
                (user, now, now),
            )
            await tx.execute(
                "INSERT INTO subscriptions (user_id, sign, hour, updated_at) VALUES (?, ?, 8, ?)",
                (user, SIGNS[n % 12].key, now),
            )


def measure(users: int, senders: int, mode: str, database: str) -> dict[str, Any]:
    """`mode`: "limit" (the enforcing stand-in, Redis) or "flood" (1 % random 429s)."""
    schema = f"bench_{secrets.token_hex(4)}" if database == "postgresql" else None
    context = multiprocessing.get_context("spawn")
    control, results = context.Queue(), context.Queue()
    stand_in = context.Process(target=run_stand_in, args=(control, results, users, mode))
    stand_in.start()
    redis_url = REDIS_URL if mode == "limit" else None
    if redis_url:
        Redis.from_url(redis_url).flushdb()
    try:
        base_url = results.get(timeout=60)
        with tempfile.TemporaryDirectory() as folder:
            settings = settings_for(base_url, folder, redis_url, schema)
            asyncio.run(_prepare(settings, users))
            try:
                runs = _run_senders(context, settings, senders)
            finally:
                if schema:
                    asyncio.run(_drop(schema))
        control.put("done")
        received, uploads, photos, limited, standin_cpu = results.get(timeout=120)
    finally:
        stand_in.join(timeout=30)
    sent = sum(run[0] for run in runs)
    elapsed = max(run[3] for run in runs) - min(run[2] for run in runs)
    subscribers = range(FIRST_USER, FIRST_USER + users)
    return {
        "ratio": sent / elapsed / RATE,
        "rate": sent / elapsed,
        "share_429": limited / max(photos, 1),
        "limited": limited,
        "pauses": sum(run[1] for run in runs),
        "per_process": [run[0] for run in runs],
        "duplicates": sum(1 for u in subscribers if received.get(u, 0) > 1),
        "missed": sum(1 for u in subscribers if received.get(u, 0) == 0),
        "uploads": uploads,
        "bot_cpu_ms": sum(run[4] for run in runs) * 1000 / max(sent, 1),
        "standin_cpu_ms": standin_cpu * 1000 / max(photos, 1),
    }


async def _drop(schema: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


def _run_senders(context: Any, settings: Settings, senders: int) -> list[Any]:
    go, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=run_sender, args=(settings, go, results)) for _ in range(senders)
    ]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            assert results.get(timeout=60) == "ready"
        go.set()
        return [results.get(timeout=300) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)


def _rows(title: str, run: dict[str, Any]) -> list[tuple[str, object]]:
    return [
        (f"{title}: msg/s", round(run["rate"], 1)),
        ("  push_rate_ratio", round(run["ratio"], 3)),
        ("  429s / share of sends", f"{run['limited']} / {run['share_429']:.4%}"),
        ("  sent by each process", " + ".join(str(n) for n in run["per_process"])),
        (
            "  CPU ms a message: bot processes / stand-in",
            f"{run['bot_cpu_ms']:.2f} / {run['standin_cpu_ms']:.2f}",
        ),
        (
            "  duplicates / missed / uploads",
            f"{run['duplicates']} / {run['missed']} / {run['uploads']}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    database = parser.parse_args().database
    one = measure(SUBSCRIBERS, 1, "limit", database)
    two = measure(SUBSCRIBERS, 2, "limit", database)
    flooded = measure(FLOOD_SUBSCRIBERS, 1, "flood", database)
    rows = [
        *_rows(f"{SUBSCRIBERS} subscribers, 1 process, limit enforced", one),
        *_rows(f"{SUBSCRIBERS} subscribers, 2 processes, limit enforced", two),
        *_rows(f"{FLOOD_SUBSCRIBERS} subscribers, 1 % random 429 (1 s), fault test", flooded),
    ]
    report(
        f"daily push at {RATE:.0f} msg/s over loopback HTTP, the stand-in enforcing it"
        f" ({database})",
        rows,
        {
            "push_rate_ratio_2": round(two["ratio"], 3),
            "push_rate_ratio_1": round(one["ratio"], 3),
            "share_429_2": round(two["share_429"], 5),
            "share_429_1": round(one["share_429"], 5),
            "duplicates": one["duplicates"] + two["duplicates"] + flooded["duplicates"],
            "missed": one["missed"] + two["missed"] + flooded["missed"],
            "uploads_1": one["uploads"],
            "uploads_2": two["uploads"],
            "bot_cpu_ms_per_message_2": round(two["bot_cpu_ms"], 2),
            "standin_cpu_ms_per_message_2": round(two["standin_cpu_ms"], 2),
            "fault_push_rate_ratio_1pct_429": round(flooded["ratio"], 3),
            "fault_duplicates": flooded["duplicates"],
            "fault_missed": flooded["missed"],
        },
    )


if __name__ == "__main__":
    main()
