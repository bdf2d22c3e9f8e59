"""The push's images apart from Telegram: one upload per sign and date, its file_id reused
by every other send, the sends in the users' galleries once the run is flushed."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from services.core.broadcast import Broadcaster
from services.core.delivery_repo import DeliveryRepo
from services.cosmic.astro import daily_reading
from services.cosmic.kinds import DailyParams
from services.cosmic.painter import daily_key
from services.cosmic.pushes import PushImages
from services.infra.locks import MemoryKeyLocks
from services.infra.pacing import BURST_SECONDS, GRAIN_SECONDS
from tests.services.cosmic.test_service import CountingRenderer, account_with, make

DAY = datetime.now(UTC).date()
"""A shared image stays cached until no zone is on its date any more: today's always is."""


class Telegram:
    """Records what each send was given; an upload gets a new file_id back."""

    def __init__(self) -> None:
        self.sent: list[str | bytes] = []

    async def __call__(self, photo: str | bytes) -> str | None:
        self.sent.append(photo)
        return f"file-{len(self.sent)}" if isinstance(photo, bytes) else photo


async def test_a_sign_is_uploaded_once_a_date_and_every_other_send_reuses_its_file_id(
    db, tmp_path
):
    renderer = CountingRenderer()
    images = PushImages(make(db, tmp_path, renderer))
    telegram = Telegram()
    await asyncio.gather(*(images.send(user, "leo", DAY, telegram) for user in (1, 2, 3)))
    await images.send(4, "leo", DAY, telegram)
    uploads = [photo for photo in telegram.sent if isinstance(photo, bytes)]
    assert len(uploads) == 1
    assert uploads[0].startswith(b"\x89PNG")
    assert telegram.sent.count("file-1") == 3
    assert renderer.calls == 1
    await images.send(5, "virgo", DAY, telegram)  # another sign: its own upload
    assert isinstance(telegram.sent[-1], bytes)
    assert renderer.calls == 2


async def test_what_was_sent_joins_each_gallery_with_the_reading_of_that_date(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    images = PushImages(cosmic)
    telegram = Telegram()
    for user in (1, 2):
        await account_with(db, "free", user_id=user)
        await images.send(user, "leo", DAY, telegram)
    assert (await cosmic.images.page(1, 0))[1] == 0  # written when the run flushes
    await images.flush()
    reading = daily_reading("leo", DAY)
    for user in (1, 2):
        image, total = await cosmic.images.page(user, 0)
        assert total == 1
        assert image is not None
        assert image.params == DailyParams("leo", reading.energy, reading.mood, reading.focus)
        assert image.file_id == "file-1"
        assert image.shared


async def test_a_file_id_kept_in_the_cache_serves_a_new_process_without_an_upload(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    telegram = Telegram()
    await PushImages(cosmic).send(1, "leo", DAY, telegram)
    restarted = PushImages(cosmic)  # remembers nothing: the shared cache has the file_id
    await restarted.send(2, "leo", DAY, telegram)
    assert telegram.sent[1] == "file-1"


class SlowUploads(Telegram):
    """An upload takes UPLOAD_SECONDS; each send's moment is recorded."""

    UPLOAD_SECONDS = 0.3

    def __init__(self) -> None:
        super().__init__()
        self.moments: list[float] = []

    async def __call__(self, photo: str | bytes) -> str | None:
        if isinstance(photo, bytes):
            await asyncio.sleep(self.UPLOAD_SECONDS)
        self.moments.append(time.monotonic())
        return await super().__call__(photo)


async def test_sends_waiting_for_the_upload_do_not_all_go_at_once_when_it_is_done(db, tmp_path):
    """A push's sends of a sign wait for its upload before their turn in the pace, not
    with turns in hand: once the upload is done they keep to the pace (R·t + burst in any
    t), instead of the 0.3 s of turns taken meanwhile going in one burst."""
    images = PushImages(make(db, tmp_path, CountingRenderer()))
    telegram = SlowUploads()
    rate = 200.0
    broadcaster = Broadcaster(DeliveryRepo(db), rate=rate, paid=True)

    async def send(user_id: int) -> None:
        await images.send(user_id, "leo", DAY, telegram)

    report = await broadcaster.run(
        "push:test", range(1, 81), send, hold=lambda _: images.sending("leo", DAY)
    )
    assert report.sent == 80
    assert len([p for p in telegram.sent if isinstance(p, bytes)]) == 1
    moments = sorted(telegram.moments)
    window = 0.05
    allowed = rate * (window + GRAIN_SECONDS) + rate * BURST_SECONDS + 1
    busiest = max(
        len([m for m in moments[i:] if m <= start + window]) for i, start in enumerate(moments)
    )
    assert busiest <= allowed


async def test_two_senders_sharing_the_upload_lock_upload_a_sign_once(db, tmp_path):
    """Two processes' push images (one shared cache, one shared lock): the first to take
    the lock uploads, the other waits for the file_id instead of uploading its own."""
    cosmic = make(db, tmp_path, CountingRenderer())
    uploads = MemoryKeyLocks()
    senders = PushImages(cosmic, uploads), PushImages(cosmic, uploads)
    telegram = SlowUploads()

    async def push(images: PushImages, user: int) -> None:
        async with images.sending("leo", DAY):
            await images.send(user, "leo", DAY, telegram)

    await asyncio.gather(*(push(senders[user % 2], user) for user in range(1, 9)))
    assert len([p for p in telegram.sent if isinstance(p, bytes)]) == 1
    assert telegram.sent.count("file-1") == 7


async def test_when_the_uploading_sender_died_another_uploads_once_its_lock_expires(db, tmp_path):
    cosmic = make(db, tmp_path, CountingRenderer())
    uploads = MemoryKeyLocks()
    await cosmic.prepare_daily("leo", DAY)
    # A sender took the lock to upload, then died: it never uploads, never lets go.
    assert await uploads.acquire(f"push:upload:{daily_key('leo', DAY)}", 0.3) is not None
    telegram = Telegram()
    started = time.monotonic()
    await PushImages(cosmic, uploads).send(1, "leo", DAY, telegram)
    assert time.monotonic() - started >= 0.25  # it waited for the other's file_id first
    assert len(telegram.sent) == 1 and isinstance(telegram.sent[0], bytes)
    assert await cosmic.daily_file_id("leo", DAY) == "file-1"
