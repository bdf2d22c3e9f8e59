"""Event streams at scale: what 500 Mini App followers of studio jobs cost Redis and the
web process. A `python -m bot web` (PostgreSQL, Redis DB 5, bench/cluster.py) with no
worker, so every job stays queued and its stream stays open; 500 partners each start a
post (`Prefer: respond-async`) and follow its events over real HTTP. Measured before,
while all 500 wait, and after they have left and `REDIS_IDLE_SECONDS` has passed:

- the web process's Redis connections (the server's CLIENT LIST for DB 5, the bench's own
  client left out) and its open files (/proc; while they follow, 500 of them are the
  followers' own sockets, shown apart);
- Redis's memory (INFO used_memory): the jobs' own (their queue entries and events, still
  there after the followers left) apart from what following them added.

    python -m bench.sse [--followers 500] [--idle 5]

The last line is one JSON object, ratios first."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bench.cluster import REDIS_URL, Cluster
from bench.common import report
from tests.test_e2e import TOKEN
from tests.webapp.initdata import init_data

FIRST_USER = 700_000


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def web_connections(admin: Redis) -> int:
    clients: Any = await admin.client_list()
    me = await admin.client_id()
    return sum(1 for c in clients if c["db"] == "5" and int(c["id"]) != me)


async def used_memory(admin: Redis) -> int:
    info: Any = await admin.info("memory")
    return int(info["used_memory"])


def headers(user: int) -> dict[str, str]:
    return {"Authorization": f"tma {init_data(user, token=TOKEN)}"}


async def start_post(session: aiohttp.ClientSession, base: str, user: int) -> str:
    body = {"post_type": "fomo", "target_audience": "crypto", "language": "en"}
    prefer = {**headers(user), "Prefer": "respond-async"}
    async with session.post(f"{base}/api/pro/generate", json=body, headers=prefer) as answer:
        if answer.status != 202:
            raise RuntimeError(f"generate answered {answer.status}: {await answer.text()}")
        job_id: str = (await answer.json())["job_id"]
        return job_id


async def follow(
    session: aiohttp.ClientSession, base: str, user: int, job_id: str, first: asyncio.Event
) -> None:
    """Reads the stream until cancelled; `first` is set once its first event came."""
    url = f"{base}/api/jobs/{job_id}/events"
    async with session.get(url, headers=headers(user)) as stream:
        if stream.status != 200:
            raise RuntimeError(f"events answered {stream.status}: {await stream.text()}")
        async for line in stream.content:
            if line.startswith(b"data: "):
                first.set()


async def measure(cluster: Cluster, admin: Redis) -> dict[str, float]:
    assert cluster.web is not None
    pid = cluster.web.pid
    return {
        "redis_connections": await web_connections(admin),
        "open_files": open_files(pid),
        "redis_memory_kib": round(await used_memory(admin) / 1024),
    }


async def main(followers: int, idle: float) -> dict[str, float]:
    users = list(range(FIRST_USER, FIRST_USER + followers))
    settings = {
        "REDIS_IDLE_SECONDS": str(idle),
        "API_IP_RATE": "10000",
        "API_IP_BURST": "10000",
    }
    async with Cluster(**settings) as cluster:
        await cluster.make_pro(users)
        admin = Redis.from_url(REDIS_URL)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            base = cluster.web_url
            await asyncio.sleep(idle * 1.5 + 1)  # the start-up's pool settles
            before = await measure(cluster, admin)
            jobs = await asyncio.gather(*(start_post(session, base, u) for u in users))
            firsts = [asyncio.Event() for _ in users]
            started = time.monotonic()
            streams = [
                asyncio.create_task(follow(session, base, u, j, f))
                for u, j, f in zip(users, jobs, firsts, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*(f.wait() for f in firsts)), 120)
            attached = time.monotonic() - started
            await asyncio.sleep(idle * 1.5 + 1)  # their first reads' connections go idle
            during = await measure(cluster, admin)
            for stream in streams:
                stream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*streams, return_exceptions=True)
        await asyncio.sleep(idle * 1.5 + 2)
        after = await measure(cluster, admin)
        await admin.aclose()

    rows = [
        ("followers", followers),
        ("all attached (first event) in", f"{attached:.2f} s"),
        *[(f"{name} before", before[name]) for name in before],
        *[(f"{name} with {followers} following", during[name]) for name in during],
        ("  of them the followers' own sockets", followers),
        *[(f"{name} after (+{idle * 1.5 + 2:g} s)", after[name]) for name in after],
    ]
    figures = {
        "redis_connections_per_100_followers": round(
            100 * (during["redis_connections"] - before["redis_connections"]) / followers, 2
        ),
        "web_files_per_follower": round(
            (during["open_files"] - before["open_files"]) / followers, 3
        ),
        # The jobs themselves (their queue entries and events) stay after the followers
        # leave: what following added is what went away with them.
        "redis_kib_for_all_followers": during["redis_memory_kib"] - after["redis_memory_kib"],
        "redis_kib_per_job": round(
            (after["redis_memory_kib"] - before["redis_memory_kib"]) / followers, 2
        ),
        **{f"during_{k}": v for k, v in during.items()},
        **{f"after_{k}": v for k, v in after.items()},
        **{f"before_{k}": v for k, v in before.items()},
        "followers": followers,
        "attach_seconds": round(attached, 2),
    }
    report(f"Event streams: {followers} followers on one web process", rows, figures)
    return figures


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, default=500)
    parser.add_argument("--idle", type=float, default=5.0, help="REDIS_IDLE_SECONDS")
    options = parser.parse_args()
    asyncio.run(main(options.followers, options.idle))


if __name__ == "__main__":
    cli()
