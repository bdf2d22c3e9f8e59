"""The daily push to many subscribers, over real HTTP, against a loopback Bot API stand-in
in another process: the bot's own broadcaster, database and upload-once logic.

Two runs: SUBSCRIBERS subscribers over the 12 signs at a configured 1000 msg/s (paid
broadcast) with no 429s, then FLOOD_SUBSCRIBERS with 1 % of sends answered "429 retry
after 1 s" (every sender pauses a full second each time, as Telegram asks).

push_rate_ratio = messages per second achieved / configured; duplicates and missed are
counted by the stand-in (photos each subscriber received); uploads = photos sent as files.

Run: python -m bench.broadcast
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from multiprocessing.queues import Queue
from pathlib import Path

from bench.common import report
from bot.app import build_app
from bot.config import Settings
from services.cosmic.astro import SIGNS
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram

RATE = 1000.0
SUBSCRIBERS = 10_000
FLOOD_SUBSCRIBERS = 1_000
FIRST_USER = 100_000


def run_stand_in(control: Queue, results: Queue, users: int, flood: bool) -> None:
    asyncio.run(_stand_in(control, results, users, flood))


async def _stand_in(control: Queue, results: Queue, users: int, flood: bool) -> None:
    telegram = FakeTelegram()
    if flood:
        telegram.flood = (100, 1)  # 1 % of sends: 429, retry after 1 s
    server = BotAPIServer(telegram)
    for user in range(FIRST_USER, FIRST_USER + users):
        telegram.add_user(user, f"User{user}")
    results.put(await server.start())
    while control.empty():
        await asyncio.sleep(0.05)
    control.get()
    received = {}
    for (chat, _), message in telegram.messages.items():
        if message.photo is not None:
            received[chat] = received.get(chat, 0) + 1
    uploads = sum(1 for c in telegram.sent("sendPhoto") if not isinstance(c.params["photo"], str))
    results.put((received, uploads))
    await server.stop()


async def _push(base_url: str, users: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            bot_token="123456:BENCH",
            telegram_api_base=base_url,
            database_url=f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            media_dir=Path(folder) / "media",
            redis_url=None,
            broadcast_rate=RATE,
            allow_paid_broadcast=True,
            scheduler_enabled=False,
        )  # type: ignore[call-arg]
        app = await build_app(settings)
        try:
            await _subscribe(app.services.db, users)
            today = datetime.now(UTC).date()
            await app.services.batch.run(today)
            started = time.perf_counter()
            # Everyone subscribed for 08:00 (BOT_TIMEZONE=UTC): the run at 08:30 sends all.
            result = await app.push.run(datetime.combine(today, clock_time(8, 30), tzinfo=UTC))
            elapsed = time.perf_counter() - started
        finally:
            await app.close(grace=1)
    return result.sent / elapsed


async def _subscribe(db, users: int) -> None:  # noqa: ANN001
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


def measure(users: int, flood: bool) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    control, results = context.Queue(), context.Queue()
    process = context.Process(target=run_stand_in, args=(control, results, users, flood))
    process.start()
    try:
        base_url = results.get(timeout=60)
        rate = asyncio.run(_push(base_url, users))
        control.put("done")
        received, uploads = results.get(timeout=120)
    finally:
        process.join(timeout=30)
    subscribers = range(FIRST_USER, FIRST_USER + users)
    return {
        "ratio": rate / RATE,
        "rate": rate,
        "duplicates": sum(1 for u in subscribers if received.get(u, 0) > 1),
        "missed": sum(1 for u in subscribers if received.get(u, 0) == 0),
        "uploads": uploads,
    }


def main() -> None:
    clean = measure(SUBSCRIBERS, flood=False)
    flooded = measure(FLOOD_SUBSCRIBERS, flood=True)
    rows = [
        (f"{SUBSCRIBERS} subscribers, no 429: msg/s", round(clean["rate"], 1)),
        ("  push_rate_ratio", round(clean["ratio"], 3)),
        (
            "  duplicates / missed / uploads",
            f"{clean['duplicates']} / {clean['missed']} / {clean['uploads']}",
        ),
        (f"{FLOOD_SUBSCRIBERS} subscribers, 1 % 429 (1 s): msg/s", round(flooded["rate"], 1)),
        ("  push_rate_ratio", round(flooded["ratio"], 3)),
        (
            "  duplicates / missed / uploads",
            f"{flooded['duplicates']} / {flooded['missed']} / {flooded['uploads']}",
        ),
    ]
    report(
        f"daily push at {RATE:.0f} msg/s over loopback HTTP",
        rows,
        {
            "push_rate_ratio": round(clean["ratio"], 3),
            "push_rate_ratio_1pct_429": round(flooded["ratio"], 3),
            "duplicates": clean["duplicates"] + flooded["duplicates"],
            "missed": clean["missed"] + flooded["missed"],
            "uploads": clean["uploads"],
            "uploads_1pct_429": flooded["uploads"],
        },
    )


if __name__ == "__main__":
    main()
