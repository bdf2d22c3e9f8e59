"""The daily push apart from Telegram: which image goes to which sign on which date, the
image uploaded once per sign and date and its file_id reused by every other send, and the
images sent joining their users' galleries in batches. bot/duties/pushes.py renders and sends.

Once per sign and date in total, however many processes send: the first sender of a sign
takes a short lock (`push:upload:<key>`: in Redis when several processes share it), uploads
and keeps the file_id in the shared cache; the others wait for that file_id and reuse it.
A sender that died frees the lock when it expires, and a waiter uploads instead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from services.core.image_repo import NewImage
from services.cosmic.astro import daily_reading
from services.cosmic.cache import CachedImage
from services.cosmic.kinds import DailyParams
from services.cosmic.painter import daily_key
from services.cosmic.service import CosmicService
from services.infra.locks import KeyLocks, MemoryKeyLocks

GALLERY_BATCH = 200
"""Push images join the users' galleries in batches (the deliveries table is the record)."""

UPLOAD_LOCK_SECONDS = 30.0
"""At most this long one sender's upload of a sign and date keeps the others waiting for its
file_id (if it dies or hangs, another sender uploads after that)."""
WAIT_STEP = 0.05
"""How often a sender waiting for another's upload looks for its file_id."""

SendImage = Callable[[str | bytes], Awaitable[str | None]]
"""Sends a push's photo, given as Telegram's file_id or as the PNG to upload; returns the
file_id Telegram gave it (None if it gave none)."""


class PushImages:
    """What one push process remembers across its runs, of the dates being sent."""

    def __init__(self, cosmic: CosmicService, uploads: KeyLocks | None = None) -> None:
        self._cosmic = cosmic
        self._uploads = uploads if uploads is not None else MemoryKeyLocks()
        """Who uploads each image, among all the senders (shared through Redis, if set)."""
        self._sign_locks: dict[str, asyncio.Lock] = {}
        self._uploaders: dict[str, asyncio.Task[object] | None] = {}
        """The task uploading each image (by cache key), inside `sending`."""
        self._gallery: list[NewImage] = []
        self._sent: dict[str, CachedImage] = {}
        """The images Telegram has, of the dates being sent (by cache key): later sends skip
        the cache."""
        self._flushing: set[asyncio.Task[None]] = set()

    @property
    def zone(self) -> ZoneInfo:
        """The zone of subscribers who gave none (BOT_TIMEZONE)."""
        return self._cosmic.zone

    def forget_other_days(self, days: set[str]) -> None:
        """Keeps the file_ids remembered to the dates (ISO) being sent."""
        self._sent = {k: v for k, v in self._sent.items() if k.rsplit(":", 1)[-1] in days}
        self._sign_locks = {
            k: v for k, v in self._sign_locks.items() if k.rsplit(":", 1)[-1] in days
        }

    @asynccontextmanager
    async def sending(self, sign_key: str, day: date) -> AsyncIterator[None]:
        """Held around the sends of the image of `sign_key` for `day`: the first send of a
        sign and date holds it through the upload, the others wait here for its file_id
        (those of this process on its lock, those of other processes on the upload lock).
        A broadcast enters it before the send's turn in its pace, so the sends waiting do
        not hold turns (freed together, they would all go at once, past Telegram's limit)."""
        key = daily_key(sign_key, day)
        if key in self._sent:
            yield
            return
        async with self._sign_locks.setdefault(key, asyncio.Lock()):
            token = None if key in self._sent else await self._file_id_or_turn(sign_key, day)
            uploading = key not in self._sent
            if uploading:
                self._uploaders[key] = asyncio.current_task()
                try:
                    yield
                finally:
                    self._uploaders.pop(key, None)
                    if token is not None:
                        await self._uploads.release(_upload_lock(key), token)
        if not uploading:
            yield

    async def _file_id_or_turn(self, sign_key: str, day: date) -> str | None:
        """Waits until the image has a file_id (kept for this process's later sends) or
        this sender may upload it: then returns the upload lock's token."""
        key = daily_key(sign_key, day)
        entry, _ = await self._cosmic.prepare_daily(sign_key, day)  # painted, if need be
        file_id = entry.file_id
        while file_id is None:
            token = await self._uploads.acquire(_upload_lock(key), UPLOAD_LOCK_SECONDS)
            # Read again: another sender may have kept it and let go since the first read.
            file_id = await self._cosmic.daily_file_id(sign_key, day)
            if token is not None:
                if file_id is None:
                    return token
                await self._uploads.release(_upload_lock(key), token)
            elif file_id is None:
                await asyncio.sleep(WAIT_STEP)
        self._sent[key] = replace(entry, file_id=file_id)
        return None

    async def send(self, user_id: int, sign_key: str, day: date, send: SendImage) -> None:
        """The image of `sign_key` for `day` through `send`, by its file_id once Telegram
        has it; the first send of a sign and date uploads it (painting it if the nightly
        batch has not). What was sent joins the user's gallery."""
        key = daily_key(sign_key, day)
        task = asyncio.current_task()
        if key in self._sent or (task is not None and self._uploaders.get(key) is task):
            await self._send(user_id, sign_key, day, send)
            return
        async with self.sending(sign_key, day):
            await self._send(user_id, sign_key, day, send)

    async def _send(self, user_id: int, sign_key: str, day: date, send: SendImage) -> None:
        key = daily_key(sign_key, day)
        entry = self._sent.get(key)
        if entry is None or entry.file_id is None:  # (what _sent keeps has a file_id)
            entry, _ = await self._cosmic.prepare_daily(sign_key, day)
            if entry.file_id is None:
                await self._upload(user_id, sign_key, day, entry, send)
                return
            self._sent[key] = entry
        await send(entry.file_id)
        self._remember(user_id, sign_key, day, entry.path, entry.file_id)

    async def _upload(
        self, user_id: int, sign_key: str, day: date, entry: CachedImage, send: SendImage
    ) -> None:
        file_id = await send(await self._cosmic.daily_png(entry))
        if file_id:
            await self._cosmic.keep_daily_file_id(sign_key, day, file_id)
            self._sent[daily_key(sign_key, day)] = replace(entry, file_id=file_id)
        self._remember(user_id, sign_key, day, entry.path, file_id)

    def _remember(
        self, user_id: int, sign_key: str, day: date, path: str, file_id: str | None
    ) -> None:
        """The push joins the user's gallery (and inline sharing)."""
        reading = daily_reading(sign_key, day)
        params = DailyParams(sign_key, reading.energy, reading.mood, reading.focus)
        self._gallery.append(
            NewImage(
                user_id,
                params,
                "",
                "local",
                "push",
                "standard",
                0.0,
                path,
                shared=True,
                file_id=file_id,
            )
        )
        if len(self._gallery) >= GALLERY_BATCH:
            task = asyncio.get_running_loop().create_task(self._flush_gallery())
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def flush(self) -> None:
        """Waits for the batches being written, then writes what is left (end of a run)."""
        await asyncio.gather(*self._flushing)
        await self._flush_gallery()

    async def _flush_gallery(self) -> None:
        pending, self._gallery = self._gallery, []
        if pending:
            await self._cosmic.add_to_galleries(pending)


def _upload_lock(key: str) -> str:
    return f"push:upload:{key}"
