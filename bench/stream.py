"""Streaming at scale: 50 partners press Generate at once on `python -m bot web` with two
`python -m bot worker` processes (PostgreSQL, Redis; bench/cluster.py). The text model
(the OpenAI stand-in, through the real SDK) streams each post over `--text` seconds, the
image model (the Gemini stand-in) answers after `--image` seconds.

Measured, per partner: from the model's first token (the stand-in's first piece) to the
first draft in the chat (the bot's own delay: target ≤ 0.3 s at p95), and from the press
to the photo; overall: drafts a second and in any one chat (the Bot API stand-in answers
429 beyond `--chat-rate` drafts a second per chat, as Telegram does: target 0 answered);
and the bot's CPU a post (the web and worker processes' CPU time from the press to the
last photo, over the partners).

Each worker may have two calls in flight per post it runs (the text, and the image prompt
then the image): `--provider-slots` (OPENAI_CONCURRENCY and GOOGLE_CONCURRENCY) is that by
default, so that posts wait for the providers and the bot, not for the bot's own cap on
calls in flight (the setting's default, 16, makes half of a worker's 25 posts wait for
the first texts to end: `--provider-slots 16`).

    python -m bench.stream [--partners 50] [--text 3] [--image 4] [--workers 2]
                           [--provider-slots N]

The last line is one JSON object, ratios first."""

from __future__ import annotations

import argparse
import asyncio
import collections
import math

from bench.cluster import Cluster
from bench.common import percentile, report
from tests.fakes.providers_http import GOOGLE_KEY, OPENAI_KEY, ProviderAPI

TEXT_MODEL = "gpt-4.1-mini"
IMAGE_MODEL = "gemini-2.5-flash-image"
FIRST_USER = 810_000


async def streaming_providers(text_seconds: float, image_seconds: float) -> ProviderAPI:
    """The providers' stand-in, started: the text streamed over `text_seconds`, the image
    answered after `image_seconds`."""
    providers = ProviderAPI(stream_seconds=text_seconds)
    providers.latencies[IMAGE_MODEL] = image_seconds
    await providers.start()
    return providers


def streaming_settings(providers: ProviderAPI) -> dict[str, str]:
    """The bot's settings for OpenAI writing (streamed) and Gemini painting, at the stand-in."""
    return {
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{providers.base_url}/v1",
        "GOOGLE_API_KEY": GOOGLE_KEY,
        "GOOGLE_GEMINI_BASE_URL": providers.base_url,
        "TEXT_MODELS": f"openai:{TEXT_MODEL}",
        "IMAGE_MODELS": f"google:{IMAGE_MODEL}",
    }


async def main(
    partners: int,
    text_seconds: float,
    image_seconds: float,
    workers: int,
    chat_rate: float,
    provider_slots: int | None = None,
) -> dict[str, float]:
    providers = await streaming_providers(text_seconds, image_seconds)
    users = list(range(FIRST_USER, FIRST_USER + partners))
    per_worker = math.ceil(partners / workers)
    slots = str(provider_slots or 2 * per_worker)
    settings = {
        **streaming_settings(providers),
        "WORKER_CONCURRENCY": str(per_worker),
        "OPENAI_CONCURRENCY": slots,
        "GOOGLE_CONCURRENCY": slots,
    }
    try:
        async with Cluster(**settings) as cluster:
            telegram = cluster.telegram
            telegram.draft_limit = (chat_rate, chat_rate)
            await cluster.start_workers(workers)
            await cluster.partners_at_generate(users)
            cpu_before = cluster.process_cpu()
            pressed = cluster.press_generate(users)
            photos = await cluster.photos(users, timeout=180)
            cpu_after = cluster.process_cpu()
            drafts = list(telegram.drafts)
            limited = telegram.draft_limited
    finally:
        await providers.stop()

    streams = [c for c in providers.calls_to(TEXT_MODEL) if c.body.get("stream")]
    first_tokens = sorted(c.first_piece_at for c in streams if c.first_piece_at is not None)
    first_drafts = sorted(
        min(d["at"] for d in drafts if int(d["chat_id"]) == user)
        for user in users
        if any(int(d["chat_id"]) == user for d in drafts)
    )
    # Each partner's text stream and first draft, matched in time order (one stream each).
    delays = [draft - token for token, draft in zip(first_tokens, first_drafts, strict=False)]
    to_photo = [at - pressed for at in photos]
    per_second = collections.Counter(int(d["at"] - pressed) for d in drafts)
    per_chat_second = collections.Counter((d["chat_id"], int(d["at"] - pressed)) for d in drafts)
    cpu_ms = {
        part: round(1000 * (cpu_after[part] - cpu_before[part]) / partners, 1)
        for part in ("web", "workers")
    }
    figures: dict[str, float] = {
        "press_to_photo_p95_over_slowest_call": round(
            percentile(to_photo, 95) / max(text_seconds, image_seconds), 2
        ),
        "first_draft_after_first_token_p95_s": round(percentile(delays, 95), 3),
        "bot_cpu_ms_per_post": round(cpu_ms["web"] + cpu_ms["workers"], 1),
        "web_cpu_ms_per_post": cpu_ms["web"],
        "workers_cpu_ms_per_post": cpu_ms["workers"],
        "first_draft_after_first_token_p50_s": round(percentile(delays, 50), 3),
        "drafts_answered_429": limited,
        "drafts_per_second_max": max(per_second.values(), default=0),
        "drafts_per_chat_second_max": max(per_chat_second.values(), default=0),
        "drafts_total": len(drafts),
        "chats_with_a_draft": len(first_drafts),
        "press_to_photo_p95_s": round(percentile(to_photo, 95), 2),
        "press_to_photo_p50_s": round(percentile(to_photo, 50), 2),
        "partners": partners,
        "provider_slots": int(slots),
    }
    rows = [
        (
            "first token → first draft, p50 / p95",
            f"{figures['first_draft_after_first_token_p50_s']:.3f} / "
            f"{figures['first_draft_after_first_token_p95_s']:.3f} s",
        ),
        ("drafts answered 429", limited),
        (
            "CPU a post: web + workers",
            f"{cpu_ms['web']} + {cpu_ms['workers']} ms (from the press to the last photo)",
        ),
        ("drafts a second (whole bot), max", figures["drafts_per_second_max"]),
        ("drafts a second in one chat, max", figures["drafts_per_chat_second_max"]),
        ("drafts in all / chats with one", f"{len(drafts)} / {len(first_drafts)}"),
        (
            "press → photo, p50 / p95",
            f"{figures['press_to_photo_p50_s']:.2f} / {figures['press_to_photo_p95_s']:.2f} s"
            f" ({figures['press_to_photo_p95_over_slowest_call']:.2f} × the slowest call)",
        ),
    ]
    title = (
        f"Streaming: {partners} partners at once, text streamed over {text_seconds:g} s, "
        f"image after {image_seconds:g} s, {workers} workers, {slots} calls in flight a provider"
    )
    report(title, rows, figures)
    return figures


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--text", type=float, default=3.0, help="seconds the text streams")
    parser.add_argument("--image", type=float, default=4.0, help="seconds the image takes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chat-rate", type=float, default=2.0, help="drafts/s a chat allows")
    parser.add_argument(
        "--provider-slots", type=int, default=None, help="calls in flight per process and provider"
    )
    options = parser.parse_args()
    asyncio.run(
        main(
            options.partners,
            options.text,
            options.image,
            options.workers,
            options.chat_rate,
            options.provider_slots,
        )
    )


if __name__ == "__main__":
    cli()
