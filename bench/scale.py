"""100 offline posts through the Redis queue with 1 and then 2 `python -m bot worker`
processes: scale_ratio = time(1 worker) / time(2 workers) (target >= 1.7 on 2 cores).

No keys: the local text writer and the local poster renderer (CPU-bound, 1920x1080). A
`python -m bot web` process takes the updates the Bot API stand-in (this process) delivers
by webhook and queues the posts; the workers make them, on PostgreSQL (a fresh schema,
dropped afterwards; `--database sqlite` for a file) and Redis DB 5. The 100 partners are
PRO and at the Generate button before the clock starts; the time runs from the first
Generate until the stand-in has received the 100th photo.

Run: python -m bench.scale [--rounds 2] [--concurrency 4] [--database postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from concurrent.futures import ProcessPoolExecutor

from bench.cluster import Cluster, load_average
from bench.common import median, report
from services.studio.catalog import Audience, PostType
from services.studio.models import PostRequest
from services.studio.prompts import studio_image_request

POSTS = 100
FIRST_USER = 20_001
CONTROL_RENDERS = 12


def _render(seed: int) -> int:
    request = studio_image_request(
        PostRequest(PostType.TIP, Audience.FREELANCERS, "en", "https://example.com/r/1", seed)
    )
    return len(request.sketch(seed, (request.width, request.height)))


def _renders(pool: ProcessPoolExecutor) -> float:
    started = time.perf_counter()
    list(pool.map(_render, range(CONTROL_RENDERS)))
    return time.perf_counter() - started


def machine_ratio() -> float:
    """What the machine gives right now: the bare poster renderer in 2 processes vs 1
    (the ceiling of scale_ratio at this moment, when other work shares the cores)."""
    with ProcessPoolExecutor(1) as one, ProcessPoolExecutor(2) as two:
        list(one.map(_render, range(1)))
        list(two.map(_render, range(2)))
        return _renders(one) / _renders(two)


async def one_run(workers: int, args: argparse.Namespace) -> dict[str, float]:
    users = list(range(FIRST_USER, FIRST_USER + args.posts))
    settings = {
        "TEXT_MODELS": "local",
        "IMAGE_MODELS": "local",
        "WORKER_CONCURRENCY": str(args.concurrency),
    }
    if args.local_concurrency is not None:
        settings["LOCAL_CONCURRENCY"] = str(args.local_concurrency)
    async with Cluster(args.database, **settings) as cluster:
        await cluster.partners_at_generate(users)
        await cluster.start_workers(workers)
        await asyncio.sleep(1)  # the processes' start-up is over
        load = load_average()
        before = cluster.process_cpu()
        started = cluster.press_generate(users)
        arrived = await cluster.photos(users, timeout=900)
        after = cluster.process_cpu()
        seconds = max(arrived) - started
        await asyncio.sleep(0.5)  # the last commits, before the processes stop
        sent = cluster.telegram.sent("sendPhoto")
        assert len(sent) == len(users), f"{len(sent)} photos for {len(users)} posts"
    cpu = {name: (after[name] - before[name]) / len(users) for name in after}
    return {
        "seconds": seconds,
        "load": load,
        "load_after": load_average(),
        **{f"cpu_per_post_{name}": value for name, value in cpu.items()},
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--posts", type=int, default=POSTS)
    parser.add_argument("--concurrency", type=int, default=4, help="WORKER_CONCURRENCY")
    parser.add_argument(
        "--local-concurrency", type=int, help="LOCAL_CONCURRENCY (default: the worker's, 1)"
    )
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    rounds: list[dict[int, dict[str, float]]] = []
    controls: list[float] = []
    for _ in range(args.rounds):
        controls.append(machine_ratio())
        rounds.append({n: await one_run(n, args) for n in (1, 2)})
        one, two = rounds[-1][1], rounds[-1][2]
        print(
            f"round {len(rounds)}: 1 worker {one['seconds']:.1f} s (load {one['load']}),"
            f" 2 workers {two['seconds']:.1f} s (load {two['load']}),"
            f" ratio {one['seconds'] / two['seconds']:.2f};"
            f" bare renderer 2 vs 1 processes just before: {controls[-1]:.2f}",
            flush=True,
        )
    figures = _figures(rounds, controls, args)
    report(
        f"scale: {args.posts} offline posts, 1 vs 2 worker processes"
        f" (WORKER_CONCURRENCY={args.concurrency},"
        f" LOCAL_CONCURRENCY={args.local_concurrency or 'unset'},"
        f" {args.database})",
        [
            ("scale_ratio (median)", figures["scale_ratio"]),
            ("bare renderer, 2 vs 1 processes", figures["machine_ratios"]),
            ("time with 1 worker (s)", figures["seconds_1_worker"]),
            ("time with 2 workers (s)", figures["seconds_2_workers"]),
            ("load average (1 min) at each start", figures["load_average_1m"]),
            ("worker CPU ms a post (1, 2 workers)", figures["cpu_ms_per_post_workers"]),
        ],
        figures,
    )


def _figures(
    rounds: list[dict[int, dict[str, float]]], controls: list[float], args: argparse.Namespace
) -> dict[str, object]:
    ratios = [r[1]["seconds"] / r[2]["seconds"] for r in rounds]
    last = rounds[-1]
    return {
        "scale_ratio": round(median(ratios), 3),
        "scale_ratios": [round(r, 3) for r in ratios],
        "machine_ratios": [round(c, 3) for c in controls],
        "seconds_1_worker": [round(r[1]["seconds"], 2) for r in rounds],
        "seconds_2_workers": [round(r[2]["seconds"], 2) for r in rounds],
        "load_average_1m": [r[n]["load"] for r in rounds for n in (1, 2)],
        "cpu_ms_per_post_workers": [
            round(1000 * r[n]["cpu_per_post_workers"]) for r in rounds for n in (1, 2)
        ],
        "cpu_ms_per_post_web": round(1000 * last[2]["cpu_per_post_web"], 1),
        "cpu_ms_per_post_stand_in": round(1000 * last[2]["cpu_per_post_stand_in"], 1),
        "posts": args.posts,
        "worker_concurrency": args.concurrency,
        "local_concurrency": args.local_concurrency,
        "database": args.database,
    }


if __name__ == "__main__":
    asyncio.run(main())
