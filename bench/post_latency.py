"""50 partners press "Generate" at once; providers take 0.4 s (text) and 0.6 s (image).

Measures, per user, time from the press to the photo being sent, divided by the slowest
provider's latency: 1.0 would mean the bot adds nothing on top of the providers.
Run: python -m bench.post_latency

`--worker`: the same through the Redis queue and a `python -m bot worker` process
(bench/post_latency_worker.py).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from aiogram.types import Update

from bench.common import median, percentile, report
from bench.fixed_latency import (
    IMAGE_LATENCY,
    TEXT_LATENCY,
    FixedLatencyPainter,
    FixedLatencyWriter,
)
from bot.app import App, build_app
from bot.config import Settings
from bot.warmup import freeze_heap
from tests.fakes.session import FakeTelegramSession
from tests.fakes.telegram import FakeTelegram

USERS = 50


async def feed(app: App, telegram: FakeTelegram, update: dict[str, object]) -> None:
    event = Update.model_validate(update, context={"bot": app.bot})
    await app.dispatcher.feed_update(app.bot, event)


async def walk_to_confirm(app: App, telegram: FakeTelegram, user_id: int) -> None:
    await feed(app, telegram, telegram.message_update(user_id, "/studio"))
    for label in ("FOMO Builder", "Digital Nomads", "English", "No link"):
        message = telegram.last_with_buttons(user_id)
        await feed(app, telegram, telegram.press(user_id, message, label))


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            bot_token="123456:bench",
            database_url=f"sqlite:///{Path(tmp) / 'b.sqlite3'}",
            media_dir=Path(tmp) / "media",
            redis_url=None,
            _env_file=None,
        )
        telegram = FakeTelegram()
        app = await build_app(
            settings,
            session=FakeTelegramSession(telegram),
            text_generator=FixedLatencyWriter(),
            image_generator=FixedLatencyPainter(),
        )
        freeze_heap()  # as `python -m bot run` does once it is built
        users = list(range(10_001, 10_001 + USERS))
        for user_id in users:
            telegram.add_user(user_id, f"User{user_id}")
            await app.services.ledger.set_pro(user_id, True, actor_id=0, key=f"pro{user_id}")
            await walk_to_confirm(app, telegram, user_id)
        presses = [
            telegram.press(user, telegram.last_with_buttons(user), "Generate") for user in users
        ]
        started = time.perf_counter()
        await asyncio.gather(*(feed(app, telegram, press) for press in presses))
        await app.queue.wait()  # the posts are jobs of the in-process queue
        wall = time.perf_counter() - started
        ratios = []
        for user_id in users:
            photo = telegram.sent("sendPhoto", user_id)[0]
            ratios.append((photo.at - started) / IMAGE_LATENCY)
        await app.close()
    figures = {
        "post_overhead_ratio_p50": round(median(ratios), 3),
        "post_overhead_ratio_p95": round(percentile(ratios, 95), 3),
        "users": USERS,
        "wall_s": round(wall, 3),
    }
    report(
        f"post latency: {USERS} concurrent users, text {TEXT_LATENCY}s, image {IMAGE_LATENCY}s",
        [
            ("p50 time-to-photo / 0.6 s", figures["post_overhead_ratio_p50"]),
            ("p95 time-to-photo / 0.6 s", figures["post_overhead_ratio_p95"]),
            ("all posts done (s)", figures["wall_s"]),
        ],
        figures,
    )


if __name__ == "__main__":
    if "--worker" in sys.argv[1:]:
        from bench.post_latency_worker import main as through_worker

        asyncio.run(through_worker())
    else:
        asyncio.run(main())
