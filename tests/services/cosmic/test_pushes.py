"""The push's images apart from Telegram: one upload per sign and date, its file_id reused
by every other send, the sends in the users' galleries once the run is flushed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from services.core.categories import DailyParams
from services.cosmic.astro import daily_reading
from services.cosmic.pushes import PushImages
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
