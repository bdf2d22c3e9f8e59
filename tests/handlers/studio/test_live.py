"""The live studio in the chat: the post appears in a draft as it is written (Bot API
10.3's sendMessageDraft, with a Stop button) while its picture paints, at a pace Telegram
accepts; Stop (the `stopped_message_generation` update) ends the run before the photo,
gives the tokens back once and says so once; a Stop after the photo changes nothing. Where
drafts are refused, the progress message shows the text instead, never the same twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from services.generation.base import ImageRequest, ImageResult
from services.generation.local.painter import LocalImageRenderer
from tests.conftest import PARTNER_ID, Driver, make_driver
from tests.fakes.botapi_rules import bad_request
from tests.fakes.telegram import FakeTelegram
from tests.handlers.studio.test_wizard import walk_to_confirm

LOCAL = LocalImageRenderer()


class GatedPainter:
    """Paints once let go; says when it started and whether it was abandoned."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.go = asyncio.Event()
        self.abandoned = False

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.started.set()
        try:
            await self.go.wait()
        except asyncio.CancelledError:
            self.abandoned = True
            raise
        return await LOCAL.paint(request)


@pytest.fixture
def painter() -> GatedPainter:
    return GatedPainter()


@pytest.fixture
async def live(
    settings: Settings, telegram: FakeTelegram, painter: GatedPainter
) -> AsyncIterator[Driver]:
    """The bot with the local writer telling a sentence every 50 ms and a draft a chat
    every 0.2 s (as Telegram allows: its stand-in answers 429 beyond 5 a second)."""
    streaming = settings.model_copy(update={"local_writer_pace": 0.05, "draft_interval": 0.2})
    telegram.draft_limit = (5.0, 5.0)
    driver = await make_driver(streaming, telegram, image_generator=painter)
    yield driver
    await driver.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def press_generate(driver: Driver) -> asyncio.Task[None]:
    await driver.make_pro()
    await walk_to_confirm(driver)
    return asyncio.create_task(driver.press(PARTNER_ID, "Generate"))


async def test_the_post_is_written_in_a_draft_while_the_picture_paints(
    live: Driver, telegram: FakeTelegram, painter: GatedPainter
):
    pressed = await press_generate(live)
    await telegram.wait_for(lambda: len(telegram.drafts_to(PARTNER_ID)) >= 3, 10)
    assert not telegram.sent("sendPhoto", PARTNER_ID)  # still painting
    painter.go.set()
    await pressed

    drafts = telegram.drafts_to(PARTNER_ID)
    [hold] = await live.app.services.db.fetch_all("SELECT id FROM reservations")
    assert {d["draft_id"] for d in drafts} == {hold[0]}  # one draft, updated
    assert all(d["can_stop"] is True for d in drafts)
    texts = [d["text"] for d in drafts]
    assert texts[0].startswith("<b>") and len(set(texts)) == len(texts)  # never the same
    assert len(texts[-1]) > len(texts[0])  # it grew
    [photo] = telegram.sent("sendPhoto", PARTNER_ID)
    assert all(d["at"] < photo.at for d in drafts)
    assert await live.balance() == 498
    assert telegram.draft_limited == 0  # never over Telegram's pace


async def test_stop_ends_the_run_refunds_once_and_says_so_once(
    live: Driver, telegram: FakeTelegram, painter: GatedPainter
):
    pressed = await press_generate(live)
    await telegram.wait_for(lambda: bool(telegram.drafts_to(PARTNER_ID)), 10)
    await painter.started.wait()
    draft_id = telegram.drafts_to(PARTNER_ID)[0]["draft_id"]

    await live.feed(telegram.stop_update(PARTNER_ID, draft_id))
    await asyncio.wait_for(pressed, 10)
    assert painter.abandoned  # the provider call was left at once
    assert not telegram.sent("sendPhoto", PARTNER_ID)
    assert await live.balance() == 500
    said = [m.visible for m in telegram.chat_messages(PARTNER_ID) if "Stopped" in m.visible]
    assert said == ["⏹ Stopped. Your 2 tokens are back. Balance: 500."]
    told = [
        c for c in telegram.sent("editMessageText", PARTNER_ID) if "Stopped" in c.params["text"]
    ]
    assert len(told) == 1  # on the progress message, once
    kinds = await live.app.services.db.fetch_all("SELECT kind FROM ledger ORDER BY id")
    assert [k[0] for k in kinds].count("refund") == 1

    drafts, calls = len(telegram.drafts), len(telegram.calls)
    await live.feed(telegram.stop_update(PARTNER_ID, draft_id))  # pressed again: nothing
    assert len(telegram.calls) == calls and len(telegram.drafts) == drafts
    assert await live.balance() == 500


async def test_a_stop_after_the_photo_changes_nothing(
    live: Driver, telegram: FakeTelegram, painter: GatedPainter
):
    painter.go.set()
    await (await press_generate(live))
    draft_id = telegram.drafts_to(PARTNER_ID)[0]["draft_id"]
    calls = len(telegram.calls)
    await live.feed(telegram.stop_update(PARTNER_ID, draft_id))
    assert len(telegram.calls) == calls
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert await live.balance() == 498


async def test_where_drafts_are_refused_the_progress_message_shows_the_text(
    live: Driver, telegram: FakeTelegram, painter: GatedPainter
):
    telegram.fail_next["sendMessageDraft"] = bad_request("TEXTDRAFT_PEER_INVALID")
    pressed = await press_generate(live)
    await telegram.wait_for(
        lambda: any("▍" in m.visible for m in telegram.chat_messages(PARTNER_ID)), 10
    )
    painter.go.set()
    await pressed
    telegram.errors.clear()  # the one refusal, on purpose
    edits = [c.params["text"] for c in telegram.sent("editMessageText", PARTNER_ID)]
    assert all(a != b for a, b in zip(edits, edits[1:], strict=False))  # no no-op edit
    assert len(telegram.drafts_to(PARTNER_ID)) == 0
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
