"""Cosmic Coach: personal cosmic art within the tier's weekly limit (reserve a use →
paint → deliver → commit, or refund the use), and the shared daily image of each sign,
painted once a day and reused by everyone."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.core.categories import CosmicParams, DailyParams, dump_params
from services.core.db import Database
from services.core.images import ImageRepo, NewImage, StoredImage
from services.core.locks import UserLocks, hold
from services.core.media import MediaStore
from services.core.models import Account, GenerationRecord
from services.core.tiers import POLICIES, Clock, Tier, effective_tier
from services.core.usage import UsageRepo
from services.core.work import Origin
from services.cosmic.astro import daily_reading
from services.cosmic.cache import CachedImage, ImageCache, date_expiry
from services.cosmic.prompts import cosmic_image_request
from services.generation.base import FailureKind, GenerationError, Quality
from services.generation.chain import ImageChain
from services.studio.repo import PostRepo

logger = logging.getLogger(__name__)


CosmicRequest = CosmicParams
"""What a person asks Cosmic Coach to paint: the typed parameters of its category."""


class CosmicStatus(StrEnum):
    DONE = "done"
    UPGRADE = "upgrade"
    """The tier does not include this kind of art."""
    LIMIT = "limit"
    """This week's uses are spent."""
    BUSY = "busy"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ReadyImage:
    """An image about to be shown; `deliver` returns Telegram's file_id for reuse."""

    image: StoredImage
    png: bytes | None
    file_id: str | None


DeliverImage = Callable[[ReadyImage], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class CosmicOutcome:
    status: CosmicStatus
    tier: Tier
    image: StoredImage | None = None
    resets_at: datetime | None = None
    failure: FailureKind | None = None


@dataclass(frozen=True, slots=True)
class UsageStatus:
    tier: Tier
    used: int
    limit: int | None
    quality: Quality
    expires_at: float | None
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


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
    _painting: dict[str, asyncio.Lock] = field(default_factory=dict)

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
        request: CosmicRequest,
        key: str,
        deliver: DeliverImage,
        origin: Origin | None = None,
    ) -> CosmicOutcome:
        """Personal art: checks the tier, holds one weekly use, paints (or reuses an identical
        image made today), hands it to `deliver`, then keeps the use; any failure gives the
        use back, once. `origin` is the message pressed: if the bot dies meanwhile, the
        sweeper gives the use back and tells it there."""
        tier = self.tier_of(account)
        policy = POLICIES[tier]
        if request.category not in policy.categories:
            return CosmicOutcome(CosmicStatus.UPGRADE, tier)
        async with hold(self.locks, account.user_id) as acquired:
            if not acquired:
                return CosmicOutcome(CosmicStatus.BUSY, tier)
            cache_key = _personal_key(request, policy.quality, self.clock.today())
            cached = await self.cache.get(cache_key)
            if cached is not None:  # made today already: no painting, no use spent
                image = await self._give(account.user_id, request, cached, cache_key, deliver)
                return CosmicOutcome(CosmicStatus.DONE, tier, image=image)
            week = self.clock.week_start().isoformat()
            reservation = await self.usage.reserve(
                account.user_id,
                week,
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
            try:
                entry = await self._paint(
                    cache_key, request, policy.quality, secrets.randbits(32), account.user_id
                )
                await self.cache.put(cache_key, entry, self.clock.next_midnight().timestamp())
                image = await self._give(account.user_id, request, entry, cache_key, deliver)
            except Exception as error:
                logger.warning("cosmic art for %s failed: %r", account.user_id, error)
                await self.usage.settle(reservation, keep=False)
                kind = (
                    error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
                )
                return CosmicOutcome(CosmicStatus.FAILED, tier, failure=kind)
            await self.usage.settle(reservation, keep=True)
            return CosmicOutcome(CosmicStatus.DONE, tier, image=image)

    async def prepare_daily(
        self, sign_key: str, day: date | None = None
    ) -> tuple[CachedImage, bool]:
        """The shared image of a sign for `day` (today by default), painted if it is not
        cached yet (the nightly batch, the pushes: a subscriber's local date). Returns the
        entry and whether it was cached already."""
        day = day or self.clock.today()
        key, request, seed = self._daily(sign_key, day)
        cached = await self.cache.get(key)
        if cached is not None:
            return cached, True
        entry = await self._cached_or_painted(
            key, request, Quality.STANDARD, seed, None, date_expiry(day)
        )
        return entry, False

    async def shared_daily(
        self, account: Account, sign_key: str, deliver: DeliverImage
    ) -> CosmicOutcome:
        """Today's image of a sign, the same for everyone: painted once, then reused."""
        tier = self.tier_of(account)
        today = self.clock.today()
        key, request, seed = self._daily(sign_key, today)
        try:
            entry = await self._cached_or_painted(
                key, request, Quality.STANDARD, seed, None, date_expiry(today)
            )
            image = await self._give(account.user_id, request, entry, key, deliver, shared=True)
        except Exception as error:
            logger.warning("shared daily %s failed: %r", key, error)
            kind = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return CosmicOutcome(CosmicStatus.FAILED, tier, failure=kind)
        return CosmicOutcome(CosmicStatus.DONE, tier, image=image)

    def _daily(self, sign_key: str, day: date) -> tuple[str, CosmicRequest, int]:
        """Cache key, request and seed of a date's shared image of a sign (the same for all)."""
        key = daily_key(sign_key, day)
        reading = daily_reading(sign_key, day)
        request = DailyParams(sign_key, reading.energy, reading.mood, reading.focus)
        return key, request, int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")

    async def image_png(self, image: StoredImage) -> bytes:
        """The file of an image already made (to upload it again)."""
        return await asyncio.to_thread(self.media.path(image.path).read_bytes)

    async def cache_stats(self) -> tuple[int, int]:
        return await self.cache.stats()

    async def _cached_or_painted(
        self,
        key: str,
        request: CosmicRequest,
        quality: Quality,
        seed: int,
        user_id: int | None,
        expires_at: float,
    ) -> CachedImage:
        """One painter per key at a time: the second asker waits and gets the cached one."""
        lock = self._painting.setdefault(key, asyncio.Lock())
        async with lock:
            entry = await self.cache.get(key)
            if entry is None:
                entry = await self._paint(key, request, quality, seed, user_id)
                await self.cache.put(key, entry, expires_at)
        if not lock.locked():
            self._painting.pop(key, None)
        return entry

    async def _paint(
        self, key: str, request: CosmicRequest, quality: Quality, seed: int, user_id: int | None
    ) -> CachedImage:
        image_request = cosmic_image_request(request, quality, seed)
        deadline = asyncio.get_running_loop().time() + self.timeout
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                result = await self.image_chain.paint(image_request, deadline=deadline)
        except (GenerationError, TimeoutError) as error:
            await self._record(user_id, image_request.prompt, started, error=error)
            if isinstance(error, TimeoutError):
                raise GenerationError(FailureKind.TIMEOUT, "cosmic art timed out") from error
            raise
        path = await self.media.save(f"cosmic/{_file_name(key)}-{seed:08x}.png", result.png)
        await self._record(user_id, image_request.prompt, started, usage=result.usage)
        usage = result.usage
        return CachedImage(
            path,
            image_request.prompt,
            usage.provider,
            usage.model,
            quality.value,
            cost_usd=usage.cost_usd,
        )

    async def _give(
        self,
        user_id: int,
        request: CosmicRequest,
        entry: CachedImage,
        cache_key: str,
        deliver: DeliverImage,
        *,
        shared: bool = False,
    ) -> StoredImage:
        new = NewImage(
            user_id=user_id,
            params=request,
            prompt=entry.prompt,
            provider=entry.provider,
            model=entry.model,
            quality=entry.quality,
            cost_usd=entry.cost_usd,
            path=entry.path,
            shared=shared,
        )
        async with self.db.transaction() as tx:
            image = await ImageRepo.insert(tx, new)
        png = (
            None
            if entry.file_id
            else await asyncio.to_thread(self.media.path(entry.path).read_bytes)
        )
        file_id = await deliver(ReadyImage(image, png, entry.file_id))
        if file_id:
            await self.images.set_file_id(image.id, file_id)
        if file_id and file_id != entry.file_id:  # a first upload, or a rejected id replaced
            await self.cache.set_file_id(cache_key, file_id)
        return image

    async def _record(
        self,
        user_id: int | None,
        prompt: str,
        started: float,
        *,
        usage: object = None,
        error: BaseException | None = None,
    ) -> None:
        provider = getattr(usage, "provider", "chain")
        model = getattr(usage, "model", getattr(error, "model", None) or "?")
        duration_ms = int((time.perf_counter() - started) * 1000)
        record = GenerationRecord(
            user_id=user_id or 0,
            kind="image",
            provider=provider,
            model=model,
            prompt=prompt,
            status="failed" if error else "ok",
            duration_ms=duration_ms,
            error=repr(error) if error else None,
            cost_usd=getattr(usage, "cost_usd", 0.0),
            input_tokens=getattr(usage, "input_tokens", None),
            output_tokens=getattr(usage, "output_tokens", None),
        )
        async with self.db.transaction() as tx:
            await PostRepo.insert_generations(tx, [record])

    async def refund_stale(self, older_than: float) -> int:
        """Gives back the uses reserved more than `older_than` seconds ago and never settled."""
        refunded = 0
        for reservation in await self.usage.unsettled_before(time.time() - older_than):
            refunded += await self.usage.settle(reservation, keep=False)
        return refunded


def daily_key(sign_key: str, day: date) -> str:
    return f"daily:{sign_key}:{day.isoformat()}"


def _personal_key(request: CosmicRequest, quality: Quality, day: date) -> str:
    """Identical requests on the same day at the same quality share one image."""
    digest = hashlib.sha256(json.dumps(dump_params(request), sort_keys=True).encode()).hexdigest()
    return f"personal:{day.isoformat()}:{quality.value}:{digest[:24]}"


def _file_name(key: str) -> str:
    return key.replace(":", "-")
