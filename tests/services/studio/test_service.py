from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from services.core.account_repo import AccountRepo
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult, Usage
from services.generation.chain import ChainEntry, ImageChain
from services.generation.resilience import Guard, RetryPolicy
from services.infra.locks import MemoryUserLocks
from services.infra.media import MediaStore
from services.studio.catalog import Audience, PostType
from services.studio.chains import PromptChain, TextChain
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PostRequest, TextResult
from services.studio.post_repo import PostRepo
from services.studio.progress import Progress
from services.studio.service import Draft, PostStatus, ReadyPost, StudioService
from services.studio.writing import TemplatePromptWriter
from tests.fakes.images import tiny_png

DRAFT = Draft(PostType.SUCCESS, Audience.FREELANCERS, "ru", "https://example.com/r/1")


class SlowWriter(LocalTextWriter):
    def __init__(self, delay: float, fail: FailureKind | None = None) -> None:
        self.delay, self.fail = delay, fail

    async def write_post(self, request: PostRequest, on_partial: object = None) -> TextResult:
        await asyncio.sleep(self.delay)
        if self.fail:
            raise GenerationError(self.fail)
        result = await super().write_post(request)
        return TextResult(result.text, Usage("fake", "writer-1", 0.001, 120, 300))


class SlowPainter:
    provider, model = "fake", "painter-1"

    def __init__(self, delay: float, fail: FailureKind | None = None) -> None:
        self.delay, self.fail = delay, fail

    async def paint(self, request: ImageRequest) -> ImageResult:
        await asyncio.sleep(self.delay)
        if self.fail:
            raise GenerationError(self.fail, "boom")
        return ImageResult(tiny_png(), 16, 9, Usage("fake", "painter-1", 0.04))


def once(name: str) -> Guard:
    return Guard(name, 30, retry=RetryPolicy(attempts=1))


def make_studio(db, tmp_path: Path, writer, painter, timeout: float = 5.0) -> StudioService:
    return StudioService(
        db=db,
        ledger=Ledger(LedgerRepo(db), pro_monthly_tokens=500),
        accounts=AccountRepo(db),
        posts=PostRepo(db),
        text_chain=TextChain([ChainEntry(writer, once("fake:writer-1"))]),
        image_chain=ImageChain([ChainEntry(painter, once("fake:painter-1"))]),
        prompt_chain=PromptChain([ChainEntry(TemplatePromptWriter(), once("local"))]),
        media=MediaStore(tmp_path / "media"),
        locks=MemoryUserLocks(),
        cost=2,
        timeout=timeout,
    )


async def pro(db) -> None:
    await Ledger(LedgerRepo(db), pro_monthly_tokens=500).set_pro(7, True, actor_id=1, key="p")


async def test_text_and_image_are_made_at_the_same_time(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0.3), SlowPainter(0.4))
    seen: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        seen.append(progress)

    started = time.perf_counter()
    outcome = await create(studio, db, "k1", on_progress)
    elapsed = time.perf_counter() - started
    assert outcome.status is PostStatus.DONE and outcome.balance == 498
    assert elapsed < 0.65  # sequential would be >= 0.7
    assert [(p.text is not None, p.image_ready) for p in seen] == [(False, False), (True, False)]
    # "started", then the text (ready first); the photo itself says the image is ready
    assert (tmp_path / "media" / outcome.image_path).read_bytes() == outcome.image_png


async def test_every_generation_is_recorded_with_its_cost(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0), SlowPainter(0))
    outcome = await create(studio, db, "k1", _ignore)
    records = await PostRepo(db).generations_for_post(outcome.post_id)
    assert {(r.kind, r.provider, r.model, r.status) for r in records} == {
        ("text", "fake", "writer-1", "ok"),
        ("image", "fake", "painter-1", "ok"),
    }
    image = next(r for r in records if r.kind == "image")
    assert image.cost_usd == pytest.approx(0.04) and "35 mm lens" in image.prompt
    assert image.image_path == outcome.image_path and image.duration_ms >= 0


@pytest.mark.parametrize("failing", ["text", "image"])
async def test_any_failure_refunds_once(db, tmp_path, failing):
    await pro(db)
    writer = SlowWriter(0.05, FailureKind.SAFETY if failing == "text" else None)
    painter = SlowPainter(0.05, FailureKind.SAFETY if failing == "image" else None)
    studio = make_studio(db, tmp_path, writer, painter)
    outcome = await create(studio, db, "k1", _ignore)
    assert outcome.status is PostStatus.FAILED and outcome.failure is FailureKind.SAFETY
    assert outcome.balance == 500
    entries = await Ledger(LedgerRepo(db), pro_monthly_tokens=500).entries(7)
    assert [e.kind.value for e in entries] == ["pro_on", "reserve", "refund"]
    records = await PostRepo(db).generations_for_post(outcome.post_id)
    assert "failed" in {r.status for r in records}
    assert (await PostRepo(db).get(outcome.post_id)).status == "failed"


async def test_slow_generators_time_out_and_refund(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0.01), SlowPainter(5), timeout=0.2)
    outcome = await create(studio, db, "k1", _ignore)
    assert outcome.failure is FailureKind.TIMEOUT and outcome.balance == 500


async def test_second_request_while_one_is_in_flight_is_busy(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0.2), SlowPainter(0.2))
    first, second = await asyncio.gather(
        create(studio, db, "a", _ignore), create(studio, db, "b", _ignore)
    )
    assert {first.status, second.status} == {PostStatus.DONE, PostStatus.BUSY}
    done = first if first.status is PostStatus.DONE else second
    account = await AccountRepo(db).get(7)
    assert done.balance == 498 and account is not None and account.balance == 498


async def test_a_broken_progress_callback_does_not_break_the_post(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0), SlowPainter(0))

    async def explode(progress: Progress) -> None:
        raise RuntimeError("telegram down")

    outcome = await create(studio, db, "k1", explode)
    assert outcome.status is PostStatus.DONE


async def _ignore(event: object) -> None:
    return None


async def create(studio: StudioService, db, key: str, on_progress=_ignore, deliver=_ignore):
    account = await AccountRepo(db).get(7)
    return await studio.create_post(account, DRAFT, key, on_progress, deliver)


async def test_failed_delivery_refunds(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0), SlowPainter(0))

    async def telegram_down(ready: ReadyPost) -> None:
        raise ConnectionError("telegram unreachable")

    outcome = await create(studio, db, "k1", deliver=telegram_down)
    assert outcome.status is PostStatus.FAILED and outcome.balance == 500


async def test_post_is_delivered_before_tokens_are_committed(db, tmp_path):
    await pro(db)
    studio = make_studio(db, tmp_path, SlowWriter(0), SlowPainter(0))
    seen_balance = []

    async def deliver(ready: ReadyPost) -> None:
        seen_balance.append((await AccountRepo(db).get(7)).balance)
        assert ready.image_png.startswith(b"\x89PNG") and ready.text.title

    outcome = await create(studio, db, "k1", deliver=deliver)
    assert seen_balance == [498]  # reserved while showing
    assert outcome.status is PostStatus.DONE and outcome.post_id is not None
    assert (await PostRepo(db).get(outcome.post_id)).status == "done"
