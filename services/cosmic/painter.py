"""The paint-once machinery of Cosmic Coach: one painter per cache key at a time, the file
saved under MEDIA_DIR and the provider call recorded, then the image handed to whoever
shows it (a gallery row and Telegram's file_id kept for reuse)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from services.core.categories import dump_params
from services.core.events import observer
from services.core.image_repo import ImageRepo, NewImage, StoredImage
from services.core.models import GenerationRecord
from services.cosmic.astro import daily_reading
from services.cosmic.cache import CachedImage, ImageCache
from services.cosmic.kinds import CosmicParams, DailyParams
from services.cosmic.prompts import cosmic_image_request
from services.generation.base import FailureKind, GenerationError, Quality
from services.generation.chain import ImageChain
from services.generation.generation_repo import GenerationRepo
from services.infra.db import Database
from services.infra.media import MediaStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadyImage:
    """An image about to be shown; `deliver` returns Telegram's file_id for reuse."""

    image: StoredImage
    png: bytes | None
    file_id: str | None


DeliverImage = Callable[[ReadyImage], Awaitable[str | None]]


@dataclass
class CosmicPainter:
    db: Database
    images: ImageRepo
    image_chain: ImageChain
    cache: ImageCache
    media: MediaStore
    timeout: float
    _painting: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def cached_or_painted(
        self,
        key: str,
        request: CosmicParams,
        quality: Quality,
        seed: int,
        user_id: int | None,
        expires_at: float,
    ) -> tuple[CachedImage, bool]:
        """One painter per key at a time: the second asker waits and gets the cached one.
        Returns the entry and whether it was cached already."""
        lock = self._painting.setdefault(key, asyncio.Lock())
        async with lock:
            entry = await self.cache.get(key)
            cached = entry is not None
            if entry is None:
                entry = await self.paint(key, request, quality, seed, user_id)
                await self.cache.put(key, entry, expires_at)
        if not lock.locked():
            self._painting.pop(key, None)
        return entry, cached

    async def paint(
        self,
        key: str,
        request: CosmicParams,
        quality: Quality,
        seed: int,
        user_id: int | None,
        timeout: float | None = None,
    ) -> CachedImage:
        """Paints and stores the image; `timeout` seconds at most (the generation timeout
        when None)."""
        timeout = self.timeout if timeout is None else timeout
        image_request = cosmic_image_request(request, quality, seed)
        deadline = asyncio.get_running_loop().time() + timeout
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                result = await self.image_chain.paint(image_request, deadline=deadline)
        except (GenerationError, TimeoutError) as error:
            await self._record(user_id, image_request.prompt, started, error=error)
            observer().cosmic_image(request.category.value, "failed")
            if isinstance(error, TimeoutError):
                raise GenerationError(FailureKind.TIMEOUT, "cosmic art timed out") from error
            raise
        path = await self.media.save(f"cosmic/{_file_name(key)}-{seed:08x}.png", result.png)
        await self._record(user_id, image_request.prompt, started, usage=result.usage)
        observer().cosmic_image(request.category.value, "painted")
        usage = result.usage
        return CachedImage(
            path,
            image_request.prompt,
            usage.provider,
            usage.model,
            quality.value,
            cost_usd=usage.cost_usd,
        )

    async def give(
        self,
        user_id: int,
        request: CosmicParams,
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
        png = None if entry.file_id else await self.png(entry.path)
        file_id = await deliver(ReadyImage(image, png, entry.file_id))
        try:  # the picture is out: keeping its file_id only saves the next upload
            if file_id:
                await self.images.set_file_id(image.id, file_id)
            if file_id and file_id != entry.file_id:  # a first upload, or a rejected id
                await self.cache.set_file_id(cache_key, file_id)
        except Exception as error:  # noqa: BLE001 - never undo a delivered picture
            logger.warning("could not keep the file_id of image %s: %r", image.id, error)
        observer().cosmic_image(request.category.value, "given")
        return image

    async def png(self, path: str) -> bytes:
        """The file of an image already painted (`path` relative to MEDIA_DIR)."""
        return await asyncio.to_thread(self.media.path(path).read_bytes)

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
            await GenerationRepo.insert_all(tx, [record])


def daily_key(sign_key: str, day: date) -> str:
    return f"daily:{sign_key}:{day.isoformat()}"


def daily_request(sign_key: str, day: date) -> tuple[str, DailyParams, int]:
    """Cache key, request and seed of a date's shared image of a sign (the same for all)."""
    key = daily_key(sign_key, day)
    reading = daily_reading(sign_key, day)
    request = DailyParams(sign_key, reading.energy, reading.mood, reading.focus)
    return key, request, int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def personal_key(request: CosmicParams, quality: Quality, day: date) -> str:
    """Identical requests on the same day at the same quality share one image."""
    digest = hashlib.sha256(json.dumps(dump_params(request), sort_keys=True).encode()).hexdigest()
    return f"personal:{day.isoformat()}:{quality.value}:{digest[:24]}"


def _file_name(key: str) -> str:
    return key.replace(":", "-")
