"""Recovery after a crash, over a few repeats (medians), next to an uninterrupted post of
the same run (press → photo):

- embedded: `python -m bot run` (SQLite, no Redis) is killed (SIGKILL) while the image
  model paints a post, and restarted at once, as a supervisor does; from the kill to the
  resumed post's photo.
- multi-process: `python -m bot web` and two `python -m bot worker` processes (PostgreSQL
  and Redis, bench/cluster.py); the worker holding a post is killed (-9) mid-painting and
  the other worker claims its job (its process is gone: its incarnation is dead at once);
  from the kill to the post's photo. And the same with the worker frozen (SIGSTOP)
  instead: its process is still there, so its job moves once its heartbeat has lapsed
  for OWNER_TIMEOUT. A fresh worker replaces each one killed.

    python -m bench.recovery [--repeats 3] [--painting 1.0] [--owner-timeout 6]

Offline: a local Bot API stand-in and an image provider stand-in with a set painting time.
The last line is one JSON object, ratios first."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.cluster import REDIS_URL, Cluster
from bot.jobs.broker import GROUP, STREAM
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


async def holder(cluster: Cluster) -> asyncio.subprocess.Process | None:
    """The worker that holds the (one) post now: its stream consumer is its incarnation
    (host, process id, random bytes)."""
    client = Redis.from_url(REDIS_URL)
    try:
        pending: Any = await client.xpending_range(STREAM, GROUP, "-", "+", 10)
    finally:
        await client.aclose()
    pids = {int(entry["consumer"].decode().split(":")[1]) for entry in pending}
    return next((w for w in cluster.workers if w.pid in pids), None)


async def workers_run(
    repeats: int, painting: float, owner_timeout: float
) -> tuple[list[float], list[float], list[float]]:
    """Seconds (press → photo of an uninterrupted post, kill → photo, freeze → photo), on
    one web and two workers; each repeat stops one worker and starts a fresh one."""
    providers = ProviderAPI(latency=painting)
    await providers.start()
    settings = {
        "GOOGLE_API_KEY": GOOGLE_KEY,
        "GOOGLE_GEMINI_BASE_URL": providers.base_url,
        "IMAGE_MODELS": f"google:{IMAGE_MODEL}",
        "TEXT_MODELS": "local",
        "GENERATION_TIMEOUT": "120",
        "OWNER_TIMEOUT": str(owner_timeout),
        "HEARTBEAT_SECONDS": str(owner_timeout / 3),
    }
    plain: list[float] = []
    killed: list[float] = []
    frozen: list[float] = []
    users = [2001 + n for n in range(1 + 2 * repeats)]
    fresh = iter(users[1:])
    try:
        async with Cluster("postgresql", **settings) as cluster:
            await cluster.start_workers(2)
            await cluster.partners_at_generate(users)
            pressed = cluster.press_generate(users[:1])
            [arrived] = await cluster.photos(users[:1], 60)
            plain.append(arrived - pressed)
            for _ in range(repeats):
                for how, into in ((signal.SIGKILL, killed), (signal.SIGSTOP, frozen)):
                    user = next(fresh)
                    into.append(await _stopped_mid_painting(cluster, providers, user, how))
    finally:
        await providers.stop()
    return plain, killed, frozen


async def _stopped_mid_painting(
    cluster: Cluster, providers: ProviderAPI, user: int, how: signal.Signals
) -> float:
    """Seconds from stopping (`how`) the worker painting `user`'s post to the photo."""
    calls = len(providers.calls_to(IMAGE_MODEL))
    cluster.press_generate([user])
    deadline = time.monotonic() + 60
    while (worker := await holder(cluster)) is None or len(
        providers.calls_to(IMAGE_MODEL)
    ) <= calls:
        if time.monotonic() > deadline:
            raise RuntimeError("no worker took the post within 60 s")
        await asyncio.sleep(0.02)
    worker.send_signal(how)
    stopped = time.perf_counter()
    [arrived] = await cluster.photos([user], 120)
    if how is signal.SIGSTOP:
        worker.kill()
    await worker.wait()
    cluster.workers.remove(worker)
    await cluster.start_workers(1)  # two again, for the next repeat
    return arrived - stopped


def _table(rows: list[tuple[str, list[float]]]) -> None:
    print(f"{'':40}{'median':>10}{'min':>10}{'max':>10}")
    for label, values in rows:
        median = statistics.median(values)
        print(f"{label:40}{median:>10.2f}{min(values):>10.2f}{max(values):>10.2f}")


async def main(repeats: int, painting: float, owner_timeout: float) -> dict[str, float]:
    plain: list[float] = []
    recovered: list[float] = []
    for _ in range(repeats):
        one, two = await one_run(painting)
        plain.append(one)
        recovered.append(two)
    cluster_plain, killed, frozen = await workers_run(repeats, painting, owner_timeout)
    post, kill = statistics.median(plain), statistics.median(recovered)
    workers_post = statistics.median(cluster_plain)
    workers_kill, workers_frozen = statistics.median(killed), statistics.median(frozen)
    print("embedded (python -m bot run, SQLite, restarted at once)")
    _table([("press → photo (no crash)", plain), ("kill → resumed photo", recovered)])
    print(f"multi-process (web + 2 workers, PostgreSQL, Redis; OWNER_TIMEOUT {owner_timeout:g})")
    _table(
        [
            ("press → photo (no crash)", cluster_plain),
            ("kill -9 of the worker → photo", killed),
            ("worker frozen (SIGSTOP) → photo", frozen),
        ]
    )
    return {
        "kill_to_photo_over_plain_post_ratio": round(kill / post, 2),
        "workers_kill_to_photo_over_plain_post_ratio": round(workers_kill / workers_post, 2),
        "workers_frozen_to_photo_over_owner_timeout_ratio": round(
            workers_frozen / owner_timeout, 2
        ),
        "kill_to_photo_s_median": round(kill, 2),
        "plain_post_s_median": round(post, 2),
        "workers_kill_to_photo_s_median": round(workers_kill, 2),
        "workers_frozen_to_photo_s_median": round(workers_frozen, 2),
        "workers_plain_post_s_median": round(workers_post, 2),
        "owner_timeout_s": owner_timeout,
        "painting_s": painting,
        "repeats": repeats,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--painting", type=float, default=1.0)
    parser.add_argument("--owner-timeout", type=float, default=6.0)
    args = parser.parse_args()
    figures = asyncio.run(main(args.repeats, args.painting, args.owner_timeout))
    print(json.dumps(figures))
