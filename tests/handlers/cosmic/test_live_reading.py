"""A Cosmic Coach image in the chat: its reading appears word by word in a draft (Bot API
10.3's sendMessageDraft, with a Stop button) while the picture paints, and the photo
replaces it; Stop ends the painting before the photo and gives the weekly use back once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from services.core.models import Account
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.telegram import FakeTelegram
from tests.handlers.studio.test_live import GatedPainter
from ui.common.drafts import growing

USER = PARTNER_ID


@pytest.fixture
def painter() -> GatedPainter:
    return GatedPainter()


@pytest.fixture
async def live(
    settings: Settings, telegram: FakeTelegram, painter: GatedPainter
) -> AsyncIterator[Driver]:
    """A draft a chat every 0.1 s (the stand-in answers 429 beyond 20 a second)."""
    telegram.draft_limit = (20.0, 20.0)
    fast = settings.model_copy(update={"draft_interval": 0.1})
    driver = await make_driver(fast, telegram, image_generator=painter)
    await driver.send(ADMIN_ID, f"/tier {USER} cosmic 30")
    yield driver
    await driver.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def press_match(driver: Driver) -> asyncio.Task[None]:
    await driver.send(USER, "/match")
    await driver.press(USER, "Leo")
    return asyncio.create_task(driver.press(USER, "Aquarius"))


async def weekly_uses(driver: Driver) -> int:
    account = await driver.app.services.accounts.get(USER)
    assert isinstance(account, Account)
    return (await driver.app.services.cosmic.usage_of(account)).used


async def test_the_reading_grows_in_a_draft_while_the_picture_paints(
    live: Driver, telegram: FakeTelegram, painter: GatedPainter
):
    pressed = await press_match(live)
    await painter.started.wait()
    await telegram.wait_for(lambda: len(telegram.drafts_to(USER)) >= 2, 10)
    assert not telegram.sent("sendPhoto", USER)  # still painting
    painter.go.set()
    await pressed
    await live.app.queue.wait()

    drafts = telegram.drafts_to(USER)
    [photo] = [m for m in telegram.chat_messages(USER) if m.photo]
    [use] = await live.app.services.db.fetch_all("SELECT id FROM uses WHERE kind = 'reserve'")
    assert {d["draft_id"] for d in drafts} == {-use[0]}  # one draft, apart from posts'
    assert all(d["can_stop"] is True for d in drafts)
    texts = [d["text"] for d in drafts]
    assert texts[0] == "<b>♌</b>" and len(set(texts)) == len(texts)  # a word, then more
    assert len(texts[-1]) > len(texts[0]) and photo.visible.startswith("♌ Leo + ♒ Aquarius")
    [sent] = telegram.sent("sendPhoto", USER)
    assert all(d["at"] < sent.at for d in drafts)  # none after the photo
    assert await weekly_uses(live) == 1


async def test_stop_ends_the_painting_and_gives_the_use_back_once(
    live: Driver, telegram: FakeTelegram, painter: GatedPainter
):
    pressed = await press_match(live)
    await painter.started.wait()
    await telegram.wait_for(lambda: bool(telegram.drafts_to(USER)), 10)
    draft_id = telegram.drafts_to(USER)[0]["draft_id"]

    await live.feed(telegram.stop_update(USER, draft_id))
    await pressed
    await live.app.queue.wait()
    assert painter.abandoned  # the provider call was left at once
    assert not telegram.sent("sendPhoto", USER)
    assert await weekly_uses(live) == 0
    said = [m.visible for m in telegram.chat_messages(USER) if "Stopped" in m.visible]
    assert said == ["⏹ Stopped. Your weekly use is back."]

    calls = len(telegram.calls)
    await live.feed(telegram.stop_update(USER, draft_id))  # pressed again: nothing
    assert len(telegram.calls) == calls and await weekly_uses(live) == 0


def test_every_word_told_is_whole_telegram_html():
    told = growing('<b>Leo &amp; Aquarius</b>: 87%\n<a href="https://x.y/a b">the sky</a>')
    assert told == [
        "<b>Leo</b>",
        "<b>Leo &amp;</b>",
        "<b>Leo &amp; Aquarius</b>:",
        "<b>Leo &amp; Aquarius</b>: 87%",
        '<b>Leo &amp; Aquarius</b>: 87%\n<a href="https://x.y/a b">the</a>',
        '<b>Leo &amp; Aquarius</b>: 87%\n<a href="https://x.y/a b">the sky</a>',
    ]
