"""50 partners press "Generate" at once; providers take 0.4 s (text) and 0.6 s (image).

The bot runs as it does in production: the real dispatcher long-polls a loopback Bot API
stand-in that lives in another process (so the stand-in's own work does not slow the bot
down). The stand-in releases the 50 presses in one batch and times, per user, the moment
the photo arrives. Ratio = time to photo / slowest provider latency: 1.0 would mean the bot
adds nothing on top of the providers.

Run: python -m bench.post_latency_http (the in-process variant: bench.post_latency)
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from functools import partial
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from bench.common import median, percentile, report
from bench.fixed_latency import (
    IMAGE_LATENCY,
    TEXT_LATENCY,
    FixedLatencyPainter,
    FixedLatencyWriter,
)
from bot.app import build_app
from bot.config import Settings
from bot.warmup import freeze_heap
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram

USERS = 50
FIRST_USER = 10_001
WIZARD = ("FOMO Builder", "Digital Nomads", "English", "No link")


# ----- the Bot API side (a separate process) ----------------------------------------------


def run_stand_in(control: Queue[object]) -> None:
    asyncio.run(_stand_in(control))


async def _stand_in(control: Queue[object]) -> None:
    telegram = FakeTelegram()
    server = BotAPIServer(telegram)
    control.put(await server.start())
    users = range(FIRST_USER, FIRST_USER + USERS)
    for user in users:
        telegram.add_user(user, f"User{user}")
    await telegram.wait_for(lambda: bool(telegram.sent("getUpdates")), 60)
    await asyncio.gather(*(_walk_to_confirm(telegram, user) for user in users))
    await asyncio.sleep(0.2)  # let the bot settle into its next long poll
    started = time.perf_counter()
    for user in users:
        telegram.press(user, telegram.last_with_buttons(user), "Generate")
    await telegram.wait_for(lambda: all(telegram.sent("sendPhoto", u) for u in users), 60)
    ratios = [(telegram.sent("sendPhoto", u)[0].at - started) / IMAGE_LATENCY for u in users]
    control.put(ratios)
    await asyncio.sleep(0.5)  # let the bot finish its bookkeeping before the server goes
    await server.stop()


async def _walk_to_confirm(telegram: FakeTelegram, user: int) -> None:
    telegram.message_update(user, "/studio")
    for label in (*WIZARD, "Generate"):
        await telegram.wait_for(partial(_has_button, telegram, user, label), 60)
        if label != "Generate":
            telegram.press(user, telegram.last_with_buttons(user), label)


def _has_button(telegram: FakeTelegram, user: int, label: str) -> bool:
    messages = [m for m in telegram.chat_messages(user) if m.buttons]
    return bool(messages) and any(label in b["text"] for b in messages[-1].buttons)


# ----- the bot side -------------------------------------------------------------------------


async def main() -> None:
    context = multiprocessing.get_context("spawn")
    control: Queue[Any] = context.Queue()
    stand_in = context.Process(target=run_stand_in, args=(control,), daemon=True)
    stand_in.start()
    loop = asyncio.get_running_loop()
    base_url = await loop.run_in_executor(None, control.get)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            bot_token="123456:bench",
            telegram_api_base=base_url,
            database_url=f"sqlite:///{Path(tmp) / 'b.sqlite3'}",
            media_dir=Path(tmp) / "media",
            redis_url=None,
            log_level="WARNING",
            _env_file=None,
            scheduler_enabled=False,  # the nightly catch-up would compete for the CPU
        )
        app = await build_app(
            settings, text_generator=FixedLatencyWriter(), image_generator=FixedLatencyPainter()
        )
        freeze_heap()  # as `python -m bot run` does once it is built
        for user in range(FIRST_USER, FIRST_USER + USERS):
            await app.services.ledger.set_pro(user, True, actor_id=0, key=f"pro{user}")
        polling = asyncio.create_task(
            app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
        )
        ratios = await loop.run_in_executor(None, control.get)
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
        await app.close(grace=5)
    stand_in.join(10)
    figures = {
        "http_post_overhead_ratio_p50": round(median(ratios), 3),
        "http_post_overhead_ratio_p95": round(percentile(ratios, 95), 3),
        "http_post_overhead_ratio_max": round(max(ratios), 3),
        "users": USERS,
    }
    report(
        f"post latency: {USERS} users at once, text {TEXT_LATENCY}s, image {IMAGE_LATENCY}s,"
        " loopback Bot API in another process",
        [
            ("p50 time-to-photo / 0.6 s", figures["http_post_overhead_ratio_p50"]),
            ("p95 time-to-photo / 0.6 s", figures["http_post_overhead_ratio_p95"]),
            ("max time-to-photo / 0.6 s", figures["http_post_overhead_ratio_max"]),
        ],
        figures,
    )


if __name__ == "__main__":
    asyncio.run(main())
