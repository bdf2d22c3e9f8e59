"""A run dies while the image is painting (its incarnation stops beating); the process that
takes over sweeps (on a clock the test sets): within the deadline the job is resumed and
the post arrives; past it the person's progress message becomes "interrupted" with a
Generate button that works. Two apps share one database: the first is the run that died."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from services.generation.base import ImageRequest, ImageResult, Usage
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver, models_table
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


class PaintsOnceThenHangs(HangingPainter):
    """The post is painted; whatever is asked of the painter after it hangs."""

    provider, model = "fake", "paints-once"

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    async def paint(self, request: ImageRequest) -> ImageResult:
        if self.painted:
            return await super().paint(request)
        self.painted = True
        return ImageResult(tiny_png((64, 64)), 64, 64, Usage("fake", "paints", 0.01))


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


async def die_while_painting(
    driver: Driver, hanging: HangingPainter, label: str, message: StoredMessage | None = None
) -> None:
    """Presses `label` on `message` (the last screen by default); the run hangs in the
    painter, then its process "dies" (the task is dropped: nothing settles, as after
    kill -9)."""
    pressing = asyncio.create_task(driver.press(PARTNER_ID, label, message))
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


@pytest.fixture
async def studio_crash(
    settings: Settings, telegram: FakeTelegram, tmp_path: Path
) -> AsyncIterator[tuple[Driver, Driver, PaintsOnceThenHangs]]:
    """As `crashed_and_restarted`, 4K costing a token; the dead run paints the post first."""
    priced = Settings(  # type: ignore[call-arg]
        _env_file=None,
        **{**settings.model_dump(), "prices_file": models_table(tmp_path, four_k=1)},
    )
    painter = PaintsOnceThenHangs()
    dead = await make_driver(priced, telegram, image_generator=painter)
    alive = await make_driver(priced, telegram, image_generator=Painter())
    yield dead, alive, painter
    await alive.app.close()
    await dead.app.close(grace=0)
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def dies_making(driver: Driver, painter: PaintsOnceThenHangs, label: str) -> StoredMessage:
    """A post delivered by `driver`, whose run then dies while making `label` for it: the
    post's photo message."""
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.press(PARTNER_ID, "Generate")
    (photo,) = [m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo]
    await die_while_painting(driver, painter, label, photo)
    return photo


async def test_interrupted_more_pictures_give_their_tokens_back_and_say_so(
    studio_crash: tuple[Driver, Driver, PaintsOnceThenHangs], telegram: FakeTelegram
) -> None:
    dead, alive, painter = studio_crash
    photo = await dies_making(dead, painter, "More pictures")
    assert await alive.balance() == 495  # 2 for the post, 3 held for the pictures

    await alive.app.sweeper.run_once(now=later(alive.app.settings))
    assert await alive.balance() == 498
    told = [m for m in telegram.chat_messages(PARTNER_ID) if "interrupted" in m.visible]
    assert len(told) == 1
    assert "Painting more pictures was interrupted" in told[0].visible
    assert "Your 3 tokens are back. Balance: 498." in told[0].visible
    assert told[0].buttons == []  # the post's own buttons still work
    posts = await alive.app.services.db.fetch_all("SELECT id FROM posts")
    assert len(posts) == 1  # no phantom post for the pictures

    await alive.press(PARTNER_ID, "More pictures", photo)
    await alive.app.queue.wait()
    assert len(telegram.sent("sendMediaGroup", PARTNER_ID)) == 1
    assert await alive.balance() == 495


async def test_an_interrupted_priced_4k_is_refunded_and_told_on_its_question(
    studio_crash, telegram
):
    dead, alive, painter = studio_crash
    await dead.make_pro()
    await walk_to_confirm(dead)
    await dead.press(PARTNER_ID, "Generate")
    (photo,) = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo]
    await dead.press(PARTNER_ID, "4K", photo)
    question = telegram.last_with_buttons(PARTNER_ID)
    await die_while_painting(dead, painter, "Yes, make it in 4K", question)
    assert await alive.balance() == 497

    await alive.app.sweeper.run_once(now=later(alive.app.settings))
    assert await alive.balance() == 498
    told = message(telegram, question.message_id)
    assert "Making the 4K picture was interrupted" in told.visible
    assert "Your 1 token is back. Balance: 498." in told.visible
    assert told.buttons == []
