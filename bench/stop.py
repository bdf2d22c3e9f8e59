"""Stop across processes: partners press Generate on `python -m bot web` with a
`python -m bot worker` (PostgreSQL, Redis; bench/cluster.py); each presses the draft's
Stop halfway through the text (the webhook gets Bot API 10.3's
`stopped_message_generation`; the worker holds the run). The text model (OpenAI stand-in)
streams over `--text` seconds, the image model (Gemini stand-in) answers after `--image`.

Measured per stop: when the provider calls in flight were abandoned (the stand-in saw the
client go), the last call the bot made to that chat after the stop other than the
"Stopped" message itself (targets: nothing after 0.5 s), when "Stopped" was said, and the
refunds of each hold (target: exactly one each, balance back to 500).

    python -m bench.stop [--partners 10] [--text 3] [--image 4]

The last line is one JSON object, ratios first."""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg

from bench.cluster import POSTGRES_URL, Cluster
from bench.common import percentile, report
from bench.stream import streaming_providers, streaming_settings

FIRST_USER = 820_000


async def main(partners: int, text_seconds: float, image_seconds: float) -> dict[str, float]:
    providers = await streaming_providers(text_seconds, image_seconds)
    users = list(range(FIRST_USER, FIRST_USER + partners))
    settings = {
        **streaming_settings(providers),
        "WORKER_CONCURRENCY": str(partners),  # every run is in flight at the Stop
    }
    try:
        async with Cluster(**settings) as cluster:
            telegram = cluster.telegram
            await cluster.start_workers(1)
            await cluster.partners_at_generate(users)
            pressed = cluster.press_generate(users)
            # Each one's draft has begun; then halfway through the text.
            await telegram.wait_for(
                lambda: len({d["chat_id"] for d in telegram.drafts}) == partners, 60
            )
            await asyncio.sleep(max(pressed + text_seconds / 2 - time.perf_counter(), 0))
            drafts = {int(d["chat_id"]): int(d["draft_id"]) for d in telegram.drafts}
            stopped_at: dict[int, float] = {}
            for user in users:
                if user in drafts:
                    stopped_at[user] = time.perf_counter()
                    telegram.stop_update(user, drafts[user])
            await asyncio.sleep(image_seconds + 3)  # whatever would still come, comes
            calls = list(telegram.calls)
            refunds, balances = await _ledger(cluster, users)
    finally:
        await providers.stop()

    said_at, after = [], []
    for user, at in stopped_at.items():
        later = [c for c in calls if c.params.get("chat_id") == user and c.at > at]
        told = [c for c in later if "Stopped" in str(c.params.get("text", ""))]
        said_at += [told[0].at - at] if told else []
        others = [c.at - at for c in later if c not in told]
        after.append(max(others, default=0.0))
    abandoned = [
        c.left_at - min(stopped_at.values())
        for c in providers.calls
        if c.left_at is not None and stopped_at
    ]
    photos = [c for c in calls if c.method == "sendPhoto"]
    figures: dict[str, float] = {
        "last_bot_call_after_stop_max_s": round(max(after, default=0.0), 3),
        "provider_calls_abandoned_after_stop_max_s": round(max(abandoned, default=0.0), 3),
        "stopped_said_after_p95_s": round(percentile(said_at, 95), 3) if said_at else -1,
        "refunds_per_hold_max": max(refunds.values(), default=0),
        "refunds_per_hold_min": min(refunds.values(), default=0),
        "balances_back_to_500": sum(1 for b in balances.values() if b == 500),
        "photos_sent": len(photos),
        "stopped": len(stopped_at),
        "provider_calls_abandoned": len(abandoned),
    }
    rows = [
        ("partners who pressed Stop halfway", len(stopped_at)),
        (
            "last other call to their chat after Stop, max",
            f"{figures['last_bot_call_after_stop_max_s']} s",
        ),
        (
            "provider calls abandoned (count, last after Stop)",
            f"{len(abandoned)}, {figures['provider_calls_abandoned_after_stop_max_s']} s",
        ),
        ('"Stopped" said after, p95', f"{figures['stopped_said_after_p95_s']} s"),
        (
            "refunds per hold (min–max)",
            f"{figures['refunds_per_hold_min']}–{figures['refunds_per_hold_max']}",
        ),
        ("balances back to 500", f"{figures['balances_back_to_500']} of {partners}"),
        ("photos sent", len(photos)),
    ]
    report(f"Stop halfway, {partners} partners, across a worker process", rows, figures)
    return figures


async def _ledger(cluster: Cluster, users: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Refund entries per partner (one hold each), and each one's balance."""
    connection = await asyncpg.connect(
        POSTGRES_URL, server_settings={"search_path": cluster.schema}
    )
    try:
        refunds = await connection.fetch(
            "SELECT r.user_id, count(l.id) FROM reservations r LEFT JOIN ledger l"
            " ON l.reservation_id = r.id AND l.kind = 'refund'"
            " WHERE r.user_id = ANY($1::bigint[]) GROUP BY r.user_id",
            users,
        )
        balances = await connection.fetch(
            "SELECT user_id, allowance + bonus FROM accounts WHERE user_id = ANY($1::bigint[])",
            users,
        )
    finally:
        await connection.close()
    return {r[0]: r[1] for r in refunds}, {b[0]: b[1] for b in balances}


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=10)
    parser.add_argument("--text", type=float, default=3.0)
    parser.add_argument("--image", type=float, default=4.0)
    options = parser.parse_args()
    asyncio.run(main(options.partners, options.text, options.image))


if __name__ == "__main__":
    cli()
