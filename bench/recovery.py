"""Recovery after a crash in the embedded mode: `python -m bot run` (SQLite, no Redis) is
killed (SIGKILL) while the image model paints a post, and restarted at once, as a
supervisor does. Measured: from the kill to the resumed post's photo, next to an
uninterrupted post of the same run (press → photo), over a few repeats (medians).

    python -m bench.recovery [--repeats 3] [--painting 1.0]

Offline: a local Bot API stand-in and an image provider stand-in with a set painting time.
The last line is one JSON object, ratios first."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, HANG, ProviderAPI
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import TOKEN, User, walk_studio

ROOT = Path(__file__).resolve().parent.parent
IMAGE_MODEL = "gemini-2.5-flash-image"
SECOND_ID = PARTNER_ID + 1


async def start_bot(server: BotAPIServer, providers: ProviderAPI, folder: Path) -> Process:
    keys = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")
    env = {
        **{k: v for k, v in os.environ.items() if k not in keys},
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": server.base_url,
        "DATABASE_URL": f"sqlite:///{folder / 'bot.sqlite3'}",
        "MEDIA_DIR": str(folder),
        "ADMIN_IDS": str(ADMIN_ID),
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "GOOGLE_API_KEY": GOOGLE_KEY,
        "GOOGLE_GEMINI_BASE_URL": providers.base_url,
        "IMAGE_MODELS": f"google:{IMAGE_MODEL}",
        "TEXT_MODELS": "local",
        "GENERATION_TIMEOUT": "60",
        "SCHEDULER_ENABLED": "false",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


Process = asyncio.subprocess.Process


async def one_run(painting: float) -> tuple[float, float]:
    """(press → photo of an uninterrupted post, kill → photo of the resumed one), seconds."""
    telegram = FakeTelegram()
    telegram.add_user(ADMIN_ID, "Admin")
    telegram.add_user(PARTNER_ID, "Pat")
    telegram.add_user(SECOND_ID, "Sam")
    server, providers = BotAPIServer(telegram), ProviderAPI(latency=painting)
    await server.start()
    await providers.start()
    admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)
    second_partner = User(telegram, SECOND_ID)

    def photos() -> int:
        return len(telegram.sent("sendPhoto", PARTNER_ID)) + len(
            telegram.sent("sendPhoto", SECOND_ID)
        )

    with tempfile.TemporaryDirectory() as folder:
        first = await start_bot(server, providers, Path(folder))
        try:
            await telegram.wait_for(lambda: len(telegram.sent("setMyCommands")) >= 3, 60)
            for user_id in (PARTNER_ID, SECOND_ID):
                admin.say(f"/pro {user_id} on")
                await admin.sees(f"PRO is on for {user_id}")
            await walk_studio(partner)  # its last step presses Generate
            pressed = time.monotonic()
            await telegram.wait_for(lambda: photos() == 1, 60)
            plain = time.monotonic() - pressed

            providers.fail(IMAGE_MODEL, HANG)  # the next painting never comes
            calls = len(providers.calls_to(IMAGE_MODEL))
            await walk_studio(second_partner)
            await telegram.wait_for(lambda: len(providers.calls_to(IMAGE_MODEL)) > calls, 60)
        finally:
            first.kill()
            await first.wait()
        killed = time.monotonic()
        second = await start_bot(server, providers, Path(folder))
        partner.say("/help")  # ends the dead process's long poll at the stand-in
        try:
            await telegram.wait_for(lambda: photos() == 2, 60)
            recovered = time.monotonic() - killed
        finally:
            second.terminate()
            await second.wait()
    await providers.stop()
    await server.stop()
    return plain, recovered


async def main(repeats: int, painting: float) -> dict[str, float]:
    plain: list[float] = []
    recovered: list[float] = []
    for _ in range(repeats):
        one, two = await one_run(painting)
        plain.append(one)
        recovered.append(two)
    post, kill = statistics.median(plain), statistics.median(recovered)
    print(f"{'':32}{'median':>10}{'min':>10}{'max':>10}")
    for label, values in (
        ("press → photo (no crash)", plain),
        ("kill → resumed photo", recovered),
    ):
        print(
            f"{label:32}{statistics.median(values):>10.2f}{min(values):>10.2f}{max(values):>10.2f}"
        )
    return {
        "kill_to_photo_over_plain_post_ratio": round(kill / post, 2),
        "kill_to_photo_s_median": round(kill, 2),
        "plain_post_s_median": round(post, 2),
        "painting_s": painting,
        "repeats": repeats,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--painting", type=float, default=1.0)
    args = parser.parse_args()
    figures = asyncio.run(main(args.repeats, args.painting))
    print(json.dumps(figures))
