from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from PIL import Image

from services.core.account_repo import AccountRepo
from services.core.image_repo import ImageRepo
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.core.usage_repo import UsageRepo
from services.cosmic.astro import Focus, Mood
from services.cosmic.cache import MemoryImageCache
from services.cosmic.kinds import AvatarParams, DailyParams, MatchParams, MoonParams
from services.cosmic.moon import MoonPhase
from services.cosmic.service import CosmicService, CosmicStatus, ReadyImage
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from services.generation.chain import ChainEntry, ImageChain
from services.generation.local.painter import LocalImageRenderer
from services.generation.resilience import Guard, RetryPolicy
from services.infra.clock import Clock
from services.infra.locks import MemoryUserLocks
from services.infra.media import MediaStore

USER = 7


class CountingRenderer(LocalImageRenderer):
    def __init__(self, fail: bool = False) -> None:
        self.calls, self.fail = 0, fail

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.calls += 1
        if self.fail:
            raise GenerationError(FailureKind.UNAVAILABLE, "down")
        return await super().paint(request)


def make(db, tmp_path: Path, renderer: CountingRenderer) -> CosmicService:
    chain = ImageChain([ChainEntry(renderer, Guard("local", 30, retry=RetryPolicy(attempts=1)))])
    return CosmicService(
        db=db,
        images=ImageRepo(db),
        usage=UsageRepo(db),
        image_chain=chain,
        cache=MemoryImageCache(),
        media=MediaStore(tmp_path / "media"),
        locks=MemoryUserLocks(),
        clock=Clock(ZoneInfo("Europe/Madrid")),
        timeout=30,
    )


async def account_with(db, tier: str, expires_at: float | None = None, user_id: int = USER):
    ledger = Ledger(LedgerRepo(db), pro_monthly_tokens=500)
    await ledger.set_tier(
        user_id, tier, expires_at=expires_at, key=f"t:{user_id}:{tier}", reason="test"
    )
    account = await AccountRepo(db).get(user_id)
    assert account is not None
    return account


class Inbox:
    def __init__(self) -> None:
        self.received: list[ReadyImage] = []

    async def __call__(self, ready: ReadyImage) -> str | None:
        self.received.append(ready)
        return f"file-{ready.image.id}"


DAILY = DailyParams("leo", 8, Mood.BOLD, Focus.CAREER)


async def test_free_users_get_the_shared_daily_image_painted_once(db, tmp_path):
    renderer = CountingRenderer()
    cosmic = make(db, tmp_path, renderer)
    first = await account_with(db, "free", user_id=1)
    second = await account_with(db, "free", user_id=2)
    assert (await cosmic.create(first, DAILY, "k", Inbox())).status is CosmicStatus.UPGRADE
    inbox = Inbox()
    one = await cosmic.shared_daily(first, "leo", inbox)
    two = await cosmic.shared_daily(second, "leo", inbox)
    assert one.status is two.status is CosmicStatus.DONE and renderer.calls == 1
    assert one.image.path == two.image.path and one.image.shared
    assert inbox.received[0].png is not None and inbox.received[1].png is None
    assert inbox.received[1].file_id == f"file-{one.image.id}"  # the second send uploads nothing
    assert await cosmic.cache_stats() == (1, 1)


async def test_cosmic_tier_makes_three_a_week_and_is_told_when_it_resets(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    account = await account_with(db, "cosmic", time.time() + 86400)
    for energy in (1, 2, 3):
        request = DailyParams("leo", energy)
        assert (
            await cosmic.create(account, request, f"k{energy}", Inbox())
        ).status is CosmicStatus.DONE
    refused = await cosmic.create(account, MoonParams(MoonPhase.FULL), "k4", Inbox())
    assert refused.status is CosmicStatus.LIMIT
    assert refused.resets_at is not None and refused.resets_at.weekday() == 0
    assert (refused.resets_at.hour, refused.resets_at.minute) == (0, 0)
    usage = await cosmic.usage_of(account)
    assert (usage.used, usage.limit, usage.remaining) == (3, 3, 0)
    assert (
        await cosmic.create(account, DAILY, "avatar", Inbox())
    ).status is not CosmicStatus.UPGRADE
    avatar = AvatarParams("leo", "cancer", "aries")
    assert (await cosmic.create(account, avatar, "a", Inbox())).status is CosmicStatus.UPGRADE


async def test_a_failed_generation_gives_the_use_back_once(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer(fail=True))
    account = await account_with(db, "cosmic", time.time() + 86400)
    outcome = await cosmic.create(account, DAILY, "k1", Inbox())
    assert outcome.status is CosmicStatus.FAILED and outcome.failure is FailureKind.UNAVAILABLE
    assert (await cosmic.usage_of(account)).used == 0
    assert await cosmic.usage.unsettled_before(time.time() + 1) == []  # nothing left held


async def test_a_repeated_tap_makes_one_image(db, tmp_path):
    renderer = CountingRenderer()
    cosmic = make(db, tmp_path, renderer)
    account = await account_with(db, "cosmic", time.time() + 86400)
    await cosmic.create(account, DAILY, "same", Inbox())
    again = await cosmic.create(account, DailyParams("leo", 2), "same", Inbox())
    assert again.status is CosmicStatus.DUPLICATE and renderer.calls == 1


async def test_identical_requests_the_same_day_are_served_from_cache_for_free(db, tmp_path):
    renderer = CountingRenderer()
    cosmic = make(db, tmp_path, renderer)
    account = await account_with(db, "cosmic", time.time() + 86400)
    await cosmic.create(account, DAILY, "k1", Inbox())
    outcome = await cosmic.create(account, DAILY, "k2", Inbox())
    assert outcome.status is CosmicStatus.DONE and renderer.calls == 1
    assert (await cosmic.usage_of(account)).used == 1


async def test_universe_gets_avatars_in_hd_and_no_limit(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    account = await account_with(db, "universe", time.time() + 86400)
    inbox = Inbox()
    avatar = AvatarParams("scorpio", "cancer", "leo", ("<b>brave</b>",))
    for second in ("aries", "taurus", "gemini", "cancer", "virgo"):
        match = MatchParams("leo", second)
        outcome = await cosmic.create(account, match, f"m{second}", inbox)
        assert outcome.status is CosmicStatus.DONE
    outcome = await cosmic.create(account, avatar, "a", inbox)
    assert outcome.status is CosmicStatus.DONE and outcome.image.quality == "hd"
    assert Image.open(io.BytesIO(inbox.received[-1].png)).size == (1536, 1536)
    assert '"brave"' in outcome.image.prompt and "<b>" not in outcome.image.prompt
    assert (await cosmic.usage_of(account)).remaining is None


async def test_an_expired_tier_is_free_again(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    account = await account_with(db, "universe", time.time() - 1)
    assert (await cosmic.create(account, DAILY, "k", Inbox())).status is CosmicStatus.UPGRADE


MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    "at", [datetime(2026, 11, 29, 23, 30, tzinfo=MADRID), datetime(2026, 11, 23, tzinfo=MADRID)]
)
def test_the_week_starts_on_monday_in_the_bot_timezone(at):
    clock = Clock(MADRID)
    assert clock.week_start(at).isoformat() == "2026-11-23"
    assert clock.next_week_start(at).isoformat() == "2026-11-30T00:00:00+01:00"


class LosingUsage(UsageRepo):
    """The database's connection is lost the first `times` a use is kept (a restart or a
    failover as the picture goes out)."""

    def __init__(self, db, times: int) -> None:
        super().__init__(db)
        self.times = times

    async def settle(self, use, *, keep: bool, tx=None) -> bool:
        if keep and self.times:
            self.times -= 1
            raise asyncpg.InterfaceError("the underlying connection is closed")
        return await super().settle(use, keep=keep, tx=tx)


async def test_a_lost_connection_as_the_picture_goes_out_keeps_the_use_once(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    cosmic.usage = LosingUsage(db, times=1)
    account = await account_with(db, "cosmic", time.time() + 86400)
    inbox = Inbox()
    outcome = await cosmic.create(account, DAILY, "k1", inbox)
    assert outcome.status is CosmicStatus.DONE and len(inbox.received) == 1
    assert (await cosmic.usage_of(account)).used == 1  # kept once, not given back
    assert await cosmic.usage.unsettled_before(time.time() + 1) == []
