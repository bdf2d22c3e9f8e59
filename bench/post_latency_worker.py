"""bench.post_latency through the queue as production runs it: 50 partners press Generate
at once; `python -m bot web` takes the presses by webhook from the Bot API stand-in and
queues the posts on Redis; one `python -m bot worker` makes them (PostgreSQL, a fresh
schema). The providers are the wire-format stand-ins, reached through the real SDKs, with
fixed latencies: OpenAI text 0.4 s, Gemini image 0.6 s.

Two line-ups:
- `image`: local text writer, Gemini paints (0.6 s): the one provider call a post waits
  for is the painting, so the ratio is time-to-photo / 0.6 s.
- `cloud`: OpenAI writes the post (0.4 s) and, first, the image prompt (0.4 s, then the
  painting 0.6 s): the post waits for prompt + painting, 1.0 s; the ratio is time-to-photo
  / 1.0 s (the text runs beside them).

Run: python -m bench.post_latency --worker [--lineup image|cloud|both]
"""

from __future__ import annotations

import argparse

from bench.cluster import Cluster, load_average
from bench.common import median, percentile, report
from bench.fixed_latency import IMAGE_LATENCY, TEXT_LATENCY
from tests.fakes.providers_http import GOOGLE_KEY, OPENAI_KEY, ProviderAPI

USERS = 50
FIRST_USER = 10_001
IMAGE_MODEL = "google:gemini-2.5-flash-image"
TEXT_MODEL = "openai:gpt-4.1-mini"


async def one_run(lineup: str, users: int, database: str) -> dict[str, float]:
    text_api, image_api = ProviderAPI(latency=TEXT_LATENCY), ProviderAPI(latency=IMAGE_LATENCY)
    await text_api.start()
    await image_api.start()
    settings = {
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{text_api.base_url}/v1",
        "GOOGLE_API_KEY": GOOGLE_KEY,
        "GOOGLE_GEMINI_BASE_URL": image_api.base_url,
        "TEXT_MODELS": TEXT_MODEL if lineup == "cloud" else "local",
        "IMAGE_MODELS": IMAGE_MODEL,
        # The jobs wait on providers, not the CPU: one worker takes all 50 at once, and
        # the providers' slots are not the bottleneck being measured.
        "WORKER_CONCURRENCY": str(users),
        "OPENAI_CONCURRENCY": str(2 * users),
        "GOOGLE_CONCURRENCY": str(users),
    }
    reference = IMAGE_LATENCY + (TEXT_LATENCY if lineup == "cloud" else 0.0)
    people = list(range(FIRST_USER, FIRST_USER + users))
    try:
        async with Cluster(database, **settings) as cluster:
            await cluster.partners_at_generate(people)
            await cluster.start_workers(1)
            load = load_average()
            started = cluster.press_generate(people)
            arrived = await cluster.photos(people, timeout=120)
            painted = len(image_api.calls)
    finally:
        await text_api.stop()
        await image_api.stop()
    assert painted == users, f"{painted} paintings for {users} posts"
    ratios = [(at - started) / reference for at in arrived]
    return {
        "p50": median(ratios),
        "p95": percentile(ratios, 95),
        "max": max(ratios),
        "reference_s": reference,
        "load": load,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help="(this mode)")
    parser.add_argument("--lineup", choices=("image", "cloud", "both"), default="both")
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    lineups = ("image", "cloud") if args.lineup == "both" else (args.lineup,)
    figures: dict[str, object] = {}
    rows: list[tuple[str, object]] = []
    for lineup in lineups:
        run = await one_run(lineup, args.users, args.database)
        for name in ("p50", "p95", "max"):
            figures[f"worker_post_overhead_ratio_{name}_{lineup}"] = round(run[name], 3)
        figures[f"reference_s_{lineup}"] = run["reference_s"]
        figures[f"load_average_1m_{lineup}"] = run["load"]
        rows += [
            (f"{lineup}: p50 / p95 / max time-to-photo / {run['reference_s']:.1f} s",
             f"{run['p50']:.3f} / {run['p95']:.3f} / {run['max']:.3f}"),
            (f"{lineup}: load average at the press", run["load"]),
        ]  # fmt: skip
    figures["users"] = args.users
    figures["database"] = args.database
    report(
        f"post latency through Redis and a worker process: {args.users} users at once,"
        f" text {TEXT_LATENCY}s, image {IMAGE_LATENCY}s (provider stand-ins over HTTP)",
        rows,
        figures,
    )
