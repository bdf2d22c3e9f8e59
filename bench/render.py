"""Local rendering speed (medians): the studio poster at 1920x1080, the cosmic art at
1024x1024 (one core), the four share cards of an image, and serving today's shared image
from the cache.

Run: python -m bench.render
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import median, report
from services.core.account_repo import AccountRepo
from services.core.image_repo import ImageRepo
from services.core.models import Account
from services.core.usage_repo import UsageRepo
from services.cosmic.art import render_daily
from services.cosmic.astro import sign
from services.cosmic.cache import MemoryImageCache
from services.cosmic.kinds import KINDS
from services.cosmic.service import CosmicService, ReadyImage
from services.generation.chain import ChainEntry, ImageChain
from services.generation.local.painter import LocalImageRenderer, fast_png
from services.generation.resilience import Guard
from services.infra.clock import Clock
from services.infra.db import Database
from services.infra.locks import MemoryUserLocks
from services.infra.media import MediaStore
from services.sharing.cards import CardFormat, CardText, render_card
from services.studio.catalog import POST_PALETTES, PostType
from services.studio.poster import render_studio_image, to_png

RUNS = 7


def timed_ms(make: object) -> float:
    timings = []
    for run in range(RUNS):
        started = time.perf_counter()
        make(run)  # type: ignore[operator]
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings)


def studio_image_ms() -> float:
    return timed_ms(
        lambda run: to_png(
            render_studio_image(
                "Six months ago I almost quit. I'm glad I didn't.",
                "Success Story · Freelancers",
                POST_PALETTES[PostType.SUCCESS],
                size=(1920, 1080),
                seed=run,
            )
        )
    )


def cosmic_ms() -> dict[str, float]:
    """Each kind's sample request, drawn locally."""
    return {
        kind.name: timed_ms(lambda run, kind=kind: fast_png(kind.render(kind.sample, run, 1024)))
        for kind in KINDS
    }


def cards_x4_ms() -> float:
    """All four share cards of one cosmic image, PNG encoded."""
    source = render_daily(sign("leo").palette, "leo", 7, 1)
    text = CardText(
        "♌ Leo",
        "Energy 7/10 · radiant · career",
        "2026-11-24",
        "Created with @cosmic_studio_bot",
        "https://t.me/cosmic_studio_bot?start=ref_1001",
        energy=7,
    )
    return timed_ms(lambda run: [render_card(source, card, text) for card in CardFormat])


async def cache_hit_ms() -> float:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        await db.connect()
        try:
            chain = ImageChain([ChainEntry(LocalImageRenderer(), Guard("local", 60))])
            cosmic = CosmicService(
                db=db,
                images=ImageRepo(db),
                usage=UsageRepo(db),
                image_chain=chain,
                cache=MemoryImageCache(),
                media=MediaStore(Path(folder)),
                locks=MemoryUserLocks(),
                clock=Clock(ZoneInfo("UTC")),
                timeout=60,
            )
            await AccountRepo(db).get_or_create(1, "en")
            account = Account(user_id=1, language="en", is_pro=False, allowance=0, bonus=0)

            async def deliver(ready: ReadyImage) -> str:
                return "file-id"

            await cosmic.shared_daily(account, "leo", deliver)  # paints and caches
            timings = []
            for _ in range(RUNS * 3):
                started = time.perf_counter()
                await cosmic.shared_daily(account, "leo", deliver)
                timings.append((time.perf_counter() - started) * 1000)
            return median(timings)
        finally:
            await db.close()


def main() -> None:
    studio = round(studio_image_ms(), 1)
    cosmic = {name: round(ms, 1) for name, ms in cosmic_ms().items()}
    hit = round(asyncio.run(cache_hit_ms()), 2)
    cards = round(cards_x4_ms(), 1)
    rows = [("studio poster 1920x1080, PNG encoded (ms)", studio)]
    rows += [(f"cosmic {name} 1024x1024, PNG encoded (ms)", ms) for name, ms in cosmic.items()]
    rows.append(("shared daily image from the cache (ms)", hit))
    rows.append(("four share cards of one image, PNG encoded (ms)", cards))
    report(
        f"local rendering (median of {RUNS})",
        rows,
        {
            "cosmic_art_ms": cosmic["daily"],
            "cache_hit_ms": hit,
            "cards_x4_ms": cards,
            "studio_image_ms": studio,
            **{f"cosmic_{name}_ms": ms for name, ms in cosmic.items()},
        },
    )


if __name__ == "__main__":
    main()
