"""`python -m bot demo`: one complete viral post, offline, through the bot's own services."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from html import unescape
from pathlib import Path

from bot.app import build_services
from bot.config import Settings
from services.captions import render_post
from services.catalog import Audience, PostType
from services.studio import Draft, PostStatus, Progress, ReadyPost, new_draft_key

DEMO_USER_ID = 1


def plain(html_text: str) -> str:
    """The caption as Telegram shows it: tags gone, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))


async def run_demo(out: Path, draft: Draft) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=f"sqlite:///{out / 'demo.sqlite3'}",
        media_dir=out / "media",
        redis_url=None,
        _env_file=None,  # type: ignore[call-arg]
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
    finally:
        await services.close()
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
        "timings": timings,
    }
    (out / "post.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return report


def parse_draft(post_type: str, audience: str, language: str, link: str | None) -> Draft:
    return Draft(PostType(post_type), Audience(audience), language, link)
