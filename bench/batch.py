"""The nightly batch: 12 signs painted by a fake image provider of fixed latency with
concurrency 4. batch_ratio = time / (3 x latency): 12 signs in 3 waves of 4 is the floor
(target <= 1.2).

Run: python -m bench.batch
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import report
from bot.config import Settings
from bot.domain import build_services
from services.cosmic.art import render_daily
from services.cosmic.astro import sign
from services.generation.base import ImageRequest, ImageResult, Usage
from services.studio.poster import to_png

LATENCY = 0.5
CONCURRENCY = 4


class FixedLatencyArtist:
    provider, model = "bench", "art-0.5s"

    def __init__(self) -> None:
        self.png = to_png(render_daily(sign("leo").palette, "leo", 5, 1, size=256))

    async def paint(self, request: ImageRequest) -> ImageResult:
        await asyncio.sleep(LATENCY)
        return ImageResult(self.png, 256, 256, Usage(self.provider, self.model))


async def run() -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            media_dir=Path(folder) / "media",
            redis_url=None,
            batch_concurrency=CONCURRENCY,
        )
        services = await build_services(settings, image_generator=FixedLatencyArtist())
        try:
            started = time.perf_counter()
            result = await services.batch.run()
            elapsed = time.perf_counter() - started
        finally:
            await services.close()
    return elapsed, result.summary()


def main() -> None:
    elapsed, summary = asyncio.run(run())
    ratio = elapsed / (3 * LATENCY)
    report(
        f"nightly batch, 12 signs, provider {LATENCY}s, concurrency {CONCURRENCY}",
        [
            ("wall time (s)", round(elapsed, 3)),
            ("batch_ratio", round(ratio, 3)),
            ("summary", summary),
        ],
        {"batch_ratio": round(ratio, 3), "latency_s": LATENCY, "concurrency": CONCURRENCY},
    )


if __name__ == "__main__":
    main()
