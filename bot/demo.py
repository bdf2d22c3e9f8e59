"""`python -m bot demo`: one complete viral post and one image of each Cosmic Coach kind,
offline, through the bot's own services."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from html import unescape
from pathlib import Path

from bot.config import Settings
from bot.domain import Services, build_services
from services.cosmic.kinds import KINDS, CosmicParams
from services.cosmic.service import CosmicStatus, ReadyImage
from services.studio.captions import render_post
from services.studio.catalog import Audience, PostType
from services.studio.progress import Progress
from services.studio.service import Draft, PostOutcome, PostStatus, ReadyPost, new_draft_key

DEMO_USER_ID = 1
COSMIC_USER_ID = 2


def plain(html_text: str) -> str:
    """The caption as Telegram shows it: tags gone, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))


async def run_demo(out: Path, draft: Draft) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=f"sqlite:///{out / 'demo.sqlite3'}",
        media_dir=out / "media",
        redis_url=None,
        _env_file=None,
    )
    services = await build_services(settings)
    try:
        await services.ledger.set_pro(DEMO_USER_ID, True, actor_id=0, key=new_draft_key())
        started = time.perf_counter()
        timings: dict[str, float] = {}

        async def on_progress(progress: Progress) -> None:
            elapsed = round((time.perf_counter() - started) * 1000, 1)
            if progress.text is not None:
                timings.setdefault("text_ms", elapsed)
            if progress.image_ready:
                timings.setdefault("image_ms", elapsed)

        async def deliver(ready: ReadyPost) -> None:
            elapsed = round((time.perf_counter() - started) * 1000, 1)
            timings.setdefault("text_ms", elapsed)  # whichever part was not reported
            timings.setdefault("image_ms", elapsed)  # came last: both are ready now

        account = await services.accounts.get(DEMO_USER_ID)
        assert account is not None
        outcome = await services.studio.create_post(
            account, draft, new_draft_key(), on_progress, deliver
        )
        timings["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        cosmic = await cosmic_samples(services, out / "cosmic")
    finally:
        await services.close()
    return _write_post(out, draft, outcome, {"timings": timings, "cosmic": cosmic})


def _write_post(
    out: Path, draft: Draft, outcome: PostOutcome, extra: dict[str, object]
) -> dict[str, object]:
    """The post's image, its caption as sent and as shown, and post.json (the report)."""
    if outcome.status is not PostStatus.DONE or outcome.text is None or not outcome.image_png:
        msg = f"demo post failed: {outcome.status} {outcome.failure}"
        raise RuntimeError(msg)
    rendered = render_post(outcome.text)
    (out / "image.png").write_bytes(outcome.image_png)
    (out / "caption.html").write_text(rendered.caption, encoding="utf-8")
    (out / "caption.txt").write_text(plain(rendered.caption), encoding="utf-8")
    report = {
        "post": asdict(outcome.text),
        "draft": {k: str(v) if v is not None else None for k, v in asdict(draft).items()},
        "caption_fits": rendered.complete,
        "tokens_remaining": outcome.balance,
        **extra,
    }
    (out / "post.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return report


COSMIC_SAMPLES: dict[str, CosmicParams] = {kind.name: kind.sample for kind in KINDS}
"""Each kind's sample request, painted as demo/cosmic/<kind>.png."""


async def cosmic_samples(services: Services, out: Path) -> dict[str, str]:
    """One image of each Cosmic Coach kind for a universe user, through CosmicService."""
    out.mkdir(parents=True, exist_ok=True)
    await services.ledger.set_tier(
        COSMIC_USER_ID, "universe", expires_at=None, key=new_draft_key(), reason="demo"
    )
    account = await services.accounts.get(COSMIC_USER_ID)
    assert account is not None
    written: dict[str, str] = {}
    for name, request in COSMIC_SAMPLES.items():

        async def deliver(ready: ReadyImage, name: str = name) -> None:
            assert ready.png is not None
            (out / f"{name}.png").write_bytes(ready.png)
            written[name] = str(out / f"{name}.png")

        outcome = await services.cosmic.create(account, request, new_draft_key(), deliver)
        if outcome.status is not CosmicStatus.DONE:
            msg = f"demo {name} image failed: {outcome.status} {outcome.failure}"
            raise RuntimeError(msg)
    return written


def parse_draft(post_type: str, audience: str, language: str, link: str | None) -> Draft:
    return Draft(PostType(post_type), Audience(audience), language, link)
