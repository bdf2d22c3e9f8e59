"""A run dies while the image is painting (its incarnation stops beating); the process that
takes over sweeps (on a clock the test sets): within the deadline the job is resumed and
the post arrives; past it the person's progress message becomes "interrupted" with a
Generate button that works. Two apps share one database: the first is the run that died."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from services.generation.base import ImageRequest, ImageResult, Usage
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.images import tiny_png
from tests.fakes.telegram import FakeTelegram, StoredMessage
from tests.handlers.studio.test_wizard import walk_to_confirm


class HangingPainter:
    """Paints nothing, ever: the run is stuck here when its process dies."""

    provider, model = "fake", "hangs"

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Painter:
    provider, model = "fake", "paints"

    async def paint(self, request: ImageRequest) -> ImageResult:
        return ImageResult(tiny_png((64, 64)), 64, 64, Usage("fake", "paints", 0.01))


@pytest.fixture
async def crashed_and_restarted(
    settings: Settings, telegram: FakeTelegram
) -> AsyncIterator[tuple[Driver, Driver, HangingPainter]]:
    hanging = HangingPainter()
    dead = await make_driver(settings, telegram, image_generator=hanging)
    alive = await make_driver(settings, telegram, image_generator=Painter())
    yield dead, alive, hanging
    await alive.app.close()
    await dead.app.close(grace=0)
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def die_while_painting(driver: Driver, hanging: HangingPainter, label: str) -> None:
    """Presses `label` on the last screen; the run hangs in the painter, then its process
    "dies" (the task is dropped: nothing settles, as after kill -9)."""
    pressing = asyncio.create_task(driver.press(PARTNER_ID, label))
    await asyncio.wait_for(hanging.started.wait(), 5)
    pressing.cancel()
    await asyncio.gather(pressing, return_exceptions=True)
    await driver.app.services.owners.stop()  # it beats no more: its work is orphaned


def later(settings: Settings) -> float:
    return time.time() + settings.generation_timeout + settings.sweep_margin + 1


def message(telegram: FakeTelegram, message_id: int) -> StoredMessage:
    return telegram.messages[(PARTNER_ID, message_id)]


async def test_an_orphaned_post_within_its_deadline_is_resumed_once(
    crashed_and_restarted, telegram
):
    dead, alive, hanging = crashed_and_restarted
    await dead.make_pro()
    await walk_to_confirm(dead)
    confirm = telegram.last_with_buttons(PARTNER_ID)
    await die_while_painting(dead, hanging, "Generate")
    assert await alive.balance() == 498

    await alive.app.sweeper.run_once(now=time.time() + 1)  # taken over, run again here
    await alive.app.queue.wait()
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert "2 tokens spent, 498 left" in message(telegram, confirm.message_id).visible
    await alive.app.sweeper.run_once(now=later(settings=alive.app.settings))
    await alive.app.queue.wait()
    assert await alive.balance() == 498 and len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert not any("interrupted" in m.visible for m in telegram.chat_messages(PARTNER_ID))
    jobs = await alive.app.services.db.fetch_all("SELECT id FROM jobs")
    assert jobs == []  # crossed out once it ended


async def test_an_interrupted_post_is_refunded_told_in_place_and_made_again(
    crashed_and_restarted, settings, telegram
):
    dead, alive, hanging = crashed_and_restarted
    await dead.make_pro()
    await walk_to_confirm(dead)
    confirm = telegram.last_with_buttons(PARTNER_ID)
    await die_while_painting(dead, hanging, "Generate")
    assert await alive.balance() == 498
    assert "Painting the image" in message(telegram, confirm.message_id).visible

    await alive.app.sweeper.run_once(now=later(settings))  # found past its deadline
    assert await alive.balance() == 500
    told = message(telegram, confirm.message_id)
    assert "This post was interrupted" in told.visible
    assert "Your 2 tokens are back. Balance: 500." in told.visible
    assert [b["text"] for b in told.buttons] == ["🚀 Generate (2 tokens)"]
    calls = len(telegram.calls)
    await alive.app.sweeper.run_once(now=later(settings) + 60)  # refunded and told once
    assert len(telegram.calls) == calls and await alive.balance() == 500

    await alive.press(PARTNER_ID, "Generate", told)
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert await alive.balance() == 498
    assert "2 tokens spent, 498 left" in message(telegram, confirm.message_id).visible


async def test_an_interrupted_image_gives_the_weekly_use_back_and_paints_again(
    crashed_and_restarted, settings, telegram
):
    dead, alive, hanging = crashed_and_restarted
    await dead.send(ADMIN_ID, f"/tier {PARTNER_ID} cosmic 30")
    await dead.send(PARTNER_ID, "/match")
    await dead.press(PARTNER_ID, "Leo")
    grid = telegram.last_with_buttons(PARTNER_ID)
    await die_while_painting(dead, hanging, "Aquarius")
    account = await alive.app.services.accounts.get(PARTNER_ID)
    assert account is not None
    assert (await alive.app.services.cosmic.usage_of(account)).used == 1

    await alive.app.sweeper.run_once(now=later(settings))
    assert (await alive.app.services.cosmic.usage_of(account)).used == 0
    told = message(telegram, grid.message_id)
    assert "This image was interrupted" in told.visible
    assert "Your weekly use is back." in told.visible
    assert [b["text"] for b in told.buttons] == ["🎨 Generate again"]

    await alive.press(PARTNER_ID, "Generate again", told)
    photos = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo]
    assert len(photos) == 1 and "% compatible" in photos[0].visible
    assert (await alive.app.services.cosmic.usage_of(account)).used == 1
    assert message(telegram, grid.message_id).buttons == []  # pressed: one image


async def test_a_progress_message_that_cannot_be_edited_is_told_anew(
    crashed_and_restarted, settings, telegram
):
    dead, alive, hanging = crashed_and_restarted
    await dead.make_pro()
    await walk_to_confirm(dead)
    confirm = telegram.last_with_buttons(PARTNER_ID)
    await die_while_painting(dead, hanging, "Generate")
    del telegram.messages[(PARTNER_ID, confirm.message_id)]  # the person deleted it

    await alive.app.sweeper.run_once(now=later(settings))
    telegram.errors.clear()  # the refused edit is the point of this test
    last = telegram.chat_messages(PARTNER_ID)[-1]
    assert "Your 2 tokens are back. Balance: 500." in last.visible
    assert await alive.balance() == 500
    await alive.press(PARTNER_ID, "Generate", last)
    assert await alive.balance() == 498 and len(telegram.sent("sendPhoto", PARTNER_ID)) == 1


async def test_an_orphaned_image_within_its_deadline_is_resumed_once(
    crashed_and_restarted, telegram
):
    dead, alive, hanging = crashed_and_restarted
    await dead.send(ADMIN_ID, f"/tier {PARTNER_ID} cosmic 30")
    await dead.send(PARTNER_ID, "/match")
    await dead.press(PARTNER_ID, "Leo")
    await die_while_painting(dead, hanging, "Aquarius")
    account = await alive.app.services.accounts.get(PARTNER_ID)
    assert account is not None

    await alive.app.sweeper.run_once(now=time.time() + 1)  # taken over, painted here
    await alive.app.queue.wait()
    photos = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo]
    assert len(photos) == 1 and "% compatible" in photos[0].visible
    await alive.app.sweeper.run_once(now=later(alive.app.settings))
    await alive.app.queue.wait()
    assert (await alive.app.services.cosmic.usage_of(account)).used == 1  # kept, once
    assert len([m for m in telegram.chat_messages(PARTNER_ID) if m.photo]) == 1
    assert not any("interrupted" in m.visible for m in telegram.chat_messages(PARTNER_ID))
