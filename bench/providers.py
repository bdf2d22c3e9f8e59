"""What the provider layer adds to a model's own latency, through the real SDK clients
against the local wire-format stand-in (each answer takes LATENCY seconds):

- sdk_overhead_ratio_p50_*: median call time / LATENCY, per provider and kind (1.00 = free)
- burst_ratio: 16 users at once on 8 provider slots / (2 x LATENCY): the queue, no more
- failover_ratio: first model hangs until its timeout, the second answers / (timeout + LATENCY)
- breaker_skip_ratio: once the breaker is open, a call / LATENCY (the dead model costs nothing)

Run: python -m bench.providers
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

from bench.common import median, report
from bot.config import Settings
from bot.providers import Lineup, build_clients, build_lineup
from services.generation.lineup import Clients
from services.generation.pricing import PriceList
from services.generation.refs import parse_models
from services.studio.catalog import Audience, PostType
from services.studio.models import PostRequest
from services.studio.prompts import studio_image_request
from tests.fakes.providers_http import (
    GOOGLE_KEY,
    GOOGLE_UNAVAILABLE,
    HANG,
    OPENAI_KEY,
    ProviderAPI,
)

LATENCY = 0.2
TIMEOUT = 0.6
ROUNDS = 15
BURST = 16
SLOTS = 8
REQUEST = PostRequest(PostType.TIP, Audience.FREELANCERS, "en", "https://example.com/r/1", 1)


def settings_for(api: ProviderAPI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "openai_api_key": OPENAI_KEY,
        "openai_base_url": f"{api.base_url}/v1",
        "google_api_key": GOOGLE_KEY,
        "google_gemini_base_url": api.base_url,
        "text_timeout": TIMEOUT,
        "image_timeout": TIMEOUT,
        "retry_attempts": 1,
        "breaker_threshold": 2,
        "breaker_cooldown": 3600,
        "openai_concurrency": SLOTS,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def lineup(api: ProviderAPI, clients: Clients, text: str, image: str) -> Lineup:
    return build_lineup(
        parse_models(text),
        parse_models(image),
        clients,
        PriceList.load(),
        settings_for(api).resilience,
    )


async def timed(call: Awaitable[object]) -> float:
    started = time.perf_counter()
    await call
    return time.perf_counter() - started


async def overhead(api: ProviderAPI, clients: Clients) -> dict[str, float]:
    figures = {}
    for provider, text_model, image_model in (
        ("openai", "gpt-4.1-mini", "gpt-image-2"),
        ("google", "gemini-2.5-flash", "gemini-2.5-flash-image"),
    ):
        chains = lineup(api, clients, f"{provider}:{text_model}", f"{provider}:{image_model}")
        image_request = studio_image_request(REQUEST)
        await chains.text.write_post(REQUEST)  # warm the connection pool
        text = [await timed(chains.text.write_post(REQUEST)) for _ in range(ROUNDS)]
        image = [await timed(chains.image.paint(image_request)) for _ in range(ROUNDS)]
        figures[f"sdk_overhead_ratio_p50_{provider}_text"] = median(text) / LATENCY
        figures[f"sdk_overhead_ratio_p50_{provider}_image"] = median(image) / LATENCY
    return figures


async def burst(api: ProviderAPI, clients: Clients) -> float:
    chains = lineup(api, clients, "openai:gpt-4.1-mini", "local")
    started = time.perf_counter()
    await asyncio.gather(*(chains.text.write_post(REQUEST) for _ in range(BURST)))
    return (time.perf_counter() - started) / (BURST / SLOTS * LATENCY)


async def failover(api: ProviderAPI, clients: Clients) -> tuple[float, float]:
    chains = lineup(api, clients, "local", "google:gemini-2.5-flash-image,openai:gpt-image-2")
    image_request = studio_image_request(REQUEST)
    api.fail("gemini-2.5-flash-image", HANG)
    hang = await timed(chains.image.paint(image_request))
    api.fail("gemini-2.5-flash-image", GOOGLE_UNAVAILABLE)  # second failure: breaker opens
    await chains.image.paint(image_request)
    skipped = await timed(chains.image.paint(image_request))
    return hang / (TIMEOUT + LATENCY), skipped / LATENCY


async def main() -> None:
    api = ProviderAPI(latency=LATENCY)
    await api.start()
    clients = build_clients(settings_for(api))
    try:
        figures = await overhead(api, clients)
        burst_ratio = await burst(api, clients)
        failover_ratio, breaker_ratio = await failover(api, clients)
    finally:
        await clients.aclose()
        await api.stop()
    figures = {
        **{k: round(v, 3) for k, v in figures.items()},
        "burst_ratio": round(burst_ratio, 3),
        "failover_ratio": round(failover_ratio, 3),
        "breaker_skip_ratio": round(breaker_ratio, 3),
        "latency_s": LATENCY,
        "timeout_s": TIMEOUT,
    }
    rows = list(figures.items())
    report(f"Provider layer over the SDKs (stand-in latency {LATENCY}s)", rows, figures)


if __name__ == "__main__":
    asyncio.run(main())
