"""A new text for a delivered post's picture ("📝 New text"): one token (the models table),
the same picture sent again with the new caption, nothing painted; refunded once when the
writing fails."""

from __future__ import annotations

from bot.config import Settings
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from services.generation.local.painter import LocalImageRenderer
from services.studio.models import PostRequest, TextResult
from tests.conftest import PARTNER_ID, Driver, make_driver, models_table
from tests.handlers.studio.test_wizard import walk_to_confirm


class CountingPainter(LocalImageRenderer):
    def __init__(self) -> None:
        self.calls = 0

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.calls += 1
        return await super().paint(request)


async def delivered_post(driver: Driver) -> None:
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.press(PARTNER_ID, "Generate")
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1


async def test_a_new_text_keeps_the_picture_for_one_token(settings, telegram):
    painter = CountingPainter()
    driver = await make_driver(settings, telegram, image_generator=painter)
    try:
        await delivered_post(driver)
        photo = telegram.sent("sendPhoto", PARTNER_ID)[0]
        post_message = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo][0]
        await driver.press(PARTNER_ID, "New text", post_message)

        first, second = telegram.photo_uploads(PARTNER_ID)
        assert first == second  # the same picture
        assert painter.calls == 1  # nothing painted again
        assert await driver.balance() == 497  # 2 for the post, exactly 1 for the new text
        assert any("1 token spent, 497 left" in t for t in driver.texts(PARTNER_ID))
        assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 2
        assert photo.params.get("caption")
        images = await driver.app.services.db.fetch_all("SELECT path FROM images ORDER BY id")
        assert len(images) == 2  # the new post's picture is in the gallery too
        assert telegram.errors == []
    finally:
        await driver.app.close()


class FailingWriter:
    languages = frozenset({"en"})
    calls = 0

    async def write_post(self, request: PostRequest, on_partial: object = None) -> TextResult:
        FailingWriter.calls += 1
        if FailingWriter.calls > 1:
            raise GenerationError(FailureKind.UNAVAILABLE, "down")
        from services.studio.local_writer import LocalTextWriter

        return await LocalTextWriter().write_post(request)


async def test_a_failed_new_text_refunds_its_token_once(settings, telegram):
    FailingWriter.calls = 0
    driver = await make_driver(settings, telegram, text_generator=FailingWriter())
    try:
        await delivered_post(driver)
        post_message = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo][0]
        await driver.press(PARTNER_ID, "New text", post_message)
        assert await driver.balance() == 498
        assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
        assert any("Your 1 token was returned" in t for t in driver.texts(PARTNER_ID))
        kinds = await driver.app.services.db.fetch_all("SELECT kind FROM ledger ORDER BY id")
        assert [k[0] for k in kinds].count("refund") == 1
        assert telegram.errors == []
    finally:
        await driver.app.close()


async def test_someone_elses_new_text_button_changes_nothing(driver: Driver, telegram):
    await delivered_post(driver)
    post_message = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo][0]
    telegram.add_user(4242, "Eve")
    calls = len(telegram.sent("sendPhoto"))
    await driver.feed(telegram.press(4242, post_message, "New text"))
    assert len(telegram.sent("sendPhoto")) == calls
    assert await driver.balance() == 498


async def test_the_models_table_sets_what_a_post_and_a_new_text_cost(settings, telegram, tmp_path):
    prices = models_table(tmp_path, post=3, rewrite=2)
    repriced = Settings(_env_file=None, **{**settings.model_dump(), "prices_file": prices})  # type: ignore[arg-type]
    driver = await make_driver(repriced, telegram)
    try:
        await delivered_post(driver)
        assert await driver.balance() == 497
        post_message = [m for m in telegram.chat_messages(PARTNER_ID) if m.photo][0]
        await driver.press(PARTNER_ID, "New text", post_message)
        assert await driver.balance() == 495
        assert telegram.errors == []
    finally:
        await driver.app.close()
