"""Cosmic Coach: personal cosmic art within the tier's weekly limit (reserve a use →
paint → deliver → commit, or refund the use), and the shared daily image of each sign,
painted once a day and reused by everyone."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from services.core.categories import dump_params
from services.core.image_repo import ImageRepo, NewImage, StoredImage
from services.core.jobs import JobQueue, Where, queue_or_release
from services.core.models import Account
from services.core.plans import Tier, effective_tier
from services.core.stops import MemoryStops, Stopped, StopSignals, unless_stopped, use_key
from services.core.usage_repo import UsageRepo, UseReservation
from services.core.work_repo import Origin
from services.cosmic.cache import CachedImage, ImageCache, date_expiry
from services.cosmic.jobs import ArtJob
from services.cosmic.kinds import CosmicParams
from services.cosmic.outcomes import CosmicOutcome, CosmicStatus, UsageStatus
from services.cosmic.painter import (
    CosmicPainter,
    DeliverImage,
    ReadyImage,
    daily_key,
    daily_request,
    personal_key,
)
from services.cosmic.tiers import POLICIES
from services.generation.base import FailureKind, GenerationError, Quality
from services.generation.chain import ImageChain
from services.infra.clock import Clock
from services.infra.db import LOST, Database
from services.infra.locks import UserLocks
from services.infra.media import MediaStore
from services.infra.patience import patiently

__all__ = [
    "CosmicOutcome",
    "CosmicService",
    "CosmicStatus",
    "DeliverImage",
    "ReadyImage",
    "UsageStatus",
]

logger = logging.getLogger(__name__)

HELD_LOOKAHEAD = 86_400.0
"""How far around `held_at` a held use is looked for (clocks of two machines differ)."""


@dataclass
class CosmicService:
    db: Database
    images: ImageRepo
    usage: UsageRepo
    image_chain: ImageChain
    cache: ImageCache
    media: MediaStore
    locks: UserLocks
    clock: Clock
    timeout: float
    stops: StopSignals = field(default_factory=MemoryStops)
    """Where a person's Stop of a painting in flight is asked for (by its use)."""
    _painter: CosmicPainter = field(init=False)

    def __post_init__(self) -> None:
        self._painter = CosmicPainter(
            self.db, self.images, self.image_chain, self.cache, self.media, self.timeout
        )

    def tier_of(self, account: Account) -> Tier:
        return effective_tier(account.tier, account.tier_expires_at, time.time())

    async def usage_of(self, account: Account) -> UsageStatus:
        tier = self.tier_of(account)
        policy = POLICIES[tier]
        used = await self.usage.used(account.user_id, self.clock.week_start().isoformat())
        expires = account.tier_expires_at if tier is not Tier.FREE else None
        return UsageStatus(
            tier, used, policy.weekly_limit, policy.quality, expires, self.clock.next_week_start()
        )

    async def create(
        self,
        account: Account,
        request: CosmicParams,
        key: str,
        deliver: DeliverImage,
        origin: Origin | None = None,
    ) -> CosmicOutcome:
        """Personal art: checks the tier, holds one weekly use, paints (or reuses an identical
        image made today), hands it to `deliver`, then keeps the use; any failure gives the
        use back, once. `origin` is the message pressed: if the bot dies meanwhile, the
        sweeper gives the use back and tells it there. (The bot does the two halves apart:
        `begin` in the handler, `finish` in a job of the queue.)"""
        held_at = time.time()
        started = await self.begin(account, request, key, deliver, origin)
        if started.status is not CosmicStatus.QUEUED or started.use is None:
            return started
        outcome = await self.finish(
            account.user_id, request, started.use, started.tier, held_at, deliver
        )
        return outcome or CosmicOutcome(CosmicStatus.DUPLICATE, started.tier)

    async def queue_image(
        self,
        account: Account,
        request: CosmicParams,
        key: str,
        deliver: DeliverImage,
        queue: JobQueue,
        where: Where,
        caption: str,
    ) -> CosmicOutcome:
        """An image from the chat: `begin`, then the painting's job queued for `finish`.
        QUEUED, or what was done or told instead (nothing is held then: a queue that cannot
        take the job gives the use back at once, FAILED)."""
        held_at = time.time()
        origin = Origin(where.chat_id, where.message_id)
        outcome = await self.begin(account, request, key, deliver, origin)
        if outcome.status is not CosmicStatus.QUEUED or outcome.use is None:
            return outcome
        use, tier = outcome.use, outcome.tier
        params = dump_params(request)
        job = ArtJob(where, use.id, use.week, tier.value, held_at, params, caption)

        async def release() -> CosmicOutcome:
            await self.abandon(use)
            return CosmicOutcome(CosmicStatus.FAILED, tier, failure=FailureKind.UNAVAILABLE)

        return await queue_or_release(queue, job, release) or outcome

    async def begin(
        self,
        account: Account,
        request: CosmicParams,
        key: str,
        deliver: DeliverImage,
        origin: Origin | None = None,
    ) -> CosmicOutcome:
        """The quick half: the tier, the person's one-image-in-flight lock, an identical
        image made today (given at once: DONE), or one weekly use held (with its `origin`,
        for the sweeper). QUEUED (with `use`) means the painting is to be made by `finish`,
        which also releases the lock; any other status means nothing is held."""
        tier = self.tier_of(account)
        policy = POLICIES[tier]
        if request.category not in policy.categories:
            return CosmicOutcome(CosmicStatus.UPGRADE, tier)
        if not await self.locks.acquire(account.user_id):
            return CosmicOutcome(CosmicStatus.BUSY, tier)
        queued = False
        try:
            cache_key = personal_key(request, policy.quality, self.clock.today())
            cached = await self.cache.get(cache_key)
            if cached is not None:  # made today already: no painting, no use spent
                image = await self._painter.give(
                    account.user_id, request, cached, cache_key, deliver
                )
                return CosmicOutcome(CosmicStatus.DONE, tier, image=image, cached=True)
            reservation = await self.usage.reserve(
                account.user_id,
                self.clock.week_start().isoformat(),
                request.category.value,
                f"cosmic:{account.user_id}:{key}",
                policy.weekly_limit,
                origin,
                dump_params(request),
            )
            if reservation is None:
                resets_at = self.clock.next_week_start()
                return CosmicOutcome(CosmicStatus.LIMIT, tier, resets_at=resets_at)
            if reservation.duplicate:
                return CosmicOutcome(CosmicStatus.DUPLICATE, tier)
            queued = True
            return CosmicOutcome(CosmicStatus.QUEUED, tier, use=reservation)
        finally:
            if not queued:
                await self.locks.release(account.user_id)

    async def finish(
        self,
        user_id: int,
        request: CosmicParams,
        use: UseReservation,
        tier: Tier,
        held_at: float,
        deliver: DeliverImage,
    ) -> CosmicOutcome | None:
        """The slow half, for a use `begin` held at `held_at` (Unix seconds): None when
        there is no work left (the use was kept or given back already: a job delivered
        twice). The painting keeps the use's deadline (`held_at` + the generation timeout),
        the one the sweeper counts from. A run releases the person's lock, whatever
        happens."""
        if not await self.held(use, held_at):
            return None  # its run ended (and let go of the lock), or the sweep gave it back
        try:
            return await self._paint_held(user_id, request, use, tier, held_at, deliver)
        finally:
            await self.locks.release(user_id)

    async def abandon(self, use: UseReservation) -> None:
        """Undoes `begin` when its job could not be queued: the use goes back now."""
        try:
            await self.usage.settle(use, keep=False)
        finally:
            await self.locks.release(use.user_id)

    async def stop(self, user_id: int, use_id: int) -> bool:
        """The person's Stop for their image in flight: True when its use is still held
        (its painting stops before the picture is shown and gives the use back, wherever
        it runs, or at its start); False when it has ended already (nothing changes)."""
        use = await self.usage.held_use(use_id)
        if use is None or use.user_id != user_id:
            return False
        await self.stops.request(use_key(use_id))
        return True

    async def held(self, use: UseReservation, held_at: float) -> bool:
        """The use is still held (neither kept nor given back)."""
        unsettled = await self.usage.unsettled_before(
            time.time() + HELD_LOOKAHEAD, held_at - HELD_LOOKAHEAD
        )
        return any(u.id == use.id for u in unsettled)

    async def _paint_held(
        self,
        user_id: int,
        request: CosmicParams,
        use: UseReservation,
        tier: Tier,
        held_at: float,
        deliver: DeliverImage,
    ) -> CosmicOutcome:
        quality = POLICIES[tier].quality
        cache_key = personal_key(request, quality, self.clock.today())
        try:
            async with self.stops.watching(use_key(use.id)) as stopped:
                # A run delivered again after its painting was stored reuses that painting.
                entry = await self.cache.get(cache_key)
                cached = entry is not None
                if entry is None:
                    left = max(held_at + self.timeout - time.time(), 0.0)
                    painting = self._painter.paint(
                        cache_key, request, quality, secrets.randbits(32), user_id, left
                    )
                    entry = await unless_stopped(painting, stopped)
                    expiry = self.clock.next_midnight().timestamp()
                    await self.cache.put(cache_key, entry, expiry)
                if stopped.is_set():
                    raise Stopped
                image = await self._painter.give(user_id, request, entry, cache_key, deliver)
        except Stopped:
            await self.usage.settle(use, keep=False)
            return CosmicOutcome(CosmicStatus.STOPPED, tier)
        except Exception as error:
            logger.warning("cosmic art for %s failed: %r", user_id, error)
            await self.usage.settle(use, keep=False)
            kind = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return CosmicOutcome(CosmicStatus.FAILED, tier, failure=kind)
        # The picture is out: a lost database connection (a restart, a failover) must not
        # hand the job back to send it again, so keeping the use is tried for a while.
        await patiently(
            lambda: self.usage.settle(use, keep=True), f"keeping use {use.id}", errors=LOST
        )
        return CosmicOutcome(CosmicStatus.DONE, tier, image=image, cached=cached)

    async def prepare_daily(
        self, sign_key: str, day: date | None = None
    ) -> tuple[CachedImage, bool]:
        """The shared image of a sign for `day` (today by default), painted if it is not
        cached yet (the nightly batch, the pushes: a subscriber's local date). Returns the
        entry and whether it was cached already."""
        day = day or self.clock.today()
        key, request, seed = daily_request(sign_key, day)
        keep_until = date_expiry(max(day, self.clock.today()))  # a past date's, for a day
        return await self._painter.cached_or_painted(
            key, request, Quality.STANDARD, seed, None, keep_until
        )

    async def shared_daily(
        self, account: Account, sign_key: str, deliver: DeliverImage, day: date | None = None
    ) -> CosmicOutcome:
        """A date's image of a sign (today's by default), the same for everyone: painted
        once, then reused."""
        tier = self.tier_of(account)
        day = day or self.clock.today()
        key, request, _ = daily_request(sign_key, day)
        try:
            entry, cached = await self.prepare_daily(sign_key, day)
            image = await self._painter.give(
                account.user_id, request, entry, key, deliver, shared=True
            )
        except Exception as error:
            logger.warning("shared daily %s failed: %r", key, error)
            kind = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return CosmicOutcome(CosmicStatus.FAILED, tier, failure=kind)
        return CosmicOutcome(CosmicStatus.DONE, tier, image=image, cached=cached)

    async def image_png(self, image: StoredImage) -> bytes:
        """The file of an image already made (to upload it again)."""
        return await self._painter.png(image.path)

    async def cache_stats(self) -> tuple[int, int]:
        return await self.cache.stats()

    # --- what the daily push needs (bot/duties/pushes.py sends, services/cosmic/pushes.py keeps)

    @property
    def zone(self) -> ZoneInfo:
        """BOT_TIMEZONE: the zone of subscribers who gave none."""
        return self.clock.zone

    async def daily_png(self, entry: CachedImage) -> bytes:
        """The file of a shared image (to upload it)."""
        return await self._painter.png(entry.path)

    async def daily_file_id(self, sign_key: str, day: date) -> str | None:
        """Telegram's id of a date's shared image of a sign, if a sender has kept one."""
        entry = await self.cache.peek(daily_key(sign_key, day))
        return entry.file_id if entry is not None else None

    async def keep_daily_file_id(self, sign_key: str, day: date, file_id: str) -> None:
        """Telegram's id of a date's shared image of a sign: every later send reuses it."""
        await self.cache.set_file_id(daily_key(sign_key, day), file_id)

    async def add_to_galleries(self, images: list[NewImage]) -> None:
        """Images sent (by the push) join their users' galleries, in one transaction."""
        await self.images.insert_all(images)
