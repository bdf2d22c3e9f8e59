"""More pictures for a delivered post: three new pictures as one album for one token each,
a pick button per picture that makes it the post's picture (its gallery entry and cards);
a picture that could not be painted is given back, all of them when none was."""

from __future__ import annotations

from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from services.generation.local.painter import LocalImageRenderer
from tests.conftest import PARTNER_ID, Driver, make_driver
from tests.handlers.studio.test_wizard import walk_to_confirm


class FlakyPainter(LocalImageRenderer):
    """Paints the first `good` pictures, then fails every one after."""

    def __init__(self, good: int) -> None:
        self.good, self.calls = good, 0

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.calls += 1
        if self.calls > self.good:
            raise GenerationError(FailureKind.SAFETY, "blocked")
        return await super().paint(request)


async def delivered_post(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.press(PARTNER_ID, "Generate")
    return [m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo][0]


async def test_three_more_pictures_for_three_tokens_and_a_pick(driver: Driver, telegram):
    post_message = await delivered_post(driver)
    [post] = await driver.app.services.db.fetch_all("SELECT id FROM posts")
    before = await driver.app.services.studio.post_image(PARTNER_ID, post[0])
    await driver.press(PARTNER_ID, "More pictures", post_message)

    [album] = telegram.sent("sendMediaGroup", PARTNER_ID)
    assert len(album.files) == 3 and len(set(album.files.values())) == 3  # three, different
    assert await driver.balance() == 495  # 2 for the post, exactly 3 for the pictures
    result = telegram.last_with_buttons(PARTNER_ID)
    assert "3 more pictures: 3 tokens spent, 495 left" in result.visible
    assert [b["text"] for b in result.buttons] == ["✅ Use 1", "✅ Use 2", "✅ Use 3"]
    images = await driver.app.services.db.fetch_all("SELECT id FROM images ORDER BY id")
    assert len(images) == 4  # the post's picture and the three, all in the gallery

    await driver.press(PARTNER_ID, "Use 2", result)
    chosen = await driver.app.services.studio.post_image(PARTNER_ID, post[0])
    assert chosen is not None and before is not None and chosen.id != before.id
    assert chosen.id == images[2][0]  # the second new picture
    assert "now the post's picture" in driver.alerts()[-1]
    assert telegram.errors == []


async def test_a_picture_not_painted_gives_its_token_back(settings, telegram):
    driver = await make_driver(settings, telegram, image_generator=FlakyPainter(good=3))
    try:
        post_message = await delivered_post(driver)  # the post's own picture is the 1st
        await driver.press(PARTNER_ID, "More pictures", post_message)
        [album] = telegram.sent("sendMediaGroup", PARTNER_ID)
        assert len(album.files) == 2
        assert await driver.balance() == 496  # 3 held, 1 given back
        result = telegram.last_with_buttons(PARTNER_ID)
        assert "1 token is back" in result.visible
        assert len(result.buttons) == 2
        assert telegram.errors == []
    finally:
        await driver.app.close()


async def test_none_painted_refunds_all_once(settings, telegram):
    driver = await make_driver(settings, telegram, image_generator=FlakyPainter(good=1))
    try:
        post_message = await delivered_post(driver)
        await driver.press(PARTNER_ID, "More pictures", post_message)
        assert not telegram.sent("sendMediaGroup", PARTNER_ID)
        assert await driver.balance() == 498
        kinds = await driver.app.services.db.fetch_all("SELECT kind FROM ledger ORDER BY id")
        assert [k[0] for k in kinds].count("refund") == 1
        assert telegram.errors == []
    finally:
        await driver.app.close()


async def test_someone_else_cannot_pick_or_ask(driver: Driver, telegram):
    post_message = await delivered_post(driver)
    await driver.press(PARTNER_ID, "More pictures", post_message)
    result = telegram.last_with_buttons(PARTNER_ID)
    [post] = await driver.app.services.db.fetch_all("SELECT id FROM posts")
    picture = await driver.app.services.studio.post_image(PARTNER_ID, post[0])
    telegram.add_user(4242, "Eve")
    await driver.feed(telegram.press(4242, result, "Use 1"))
    await driver.feed(telegram.press(4242, post_message, "More pictures"))
    again = await driver.app.services.studio.post_image(PARTNER_ID, post[0])
    assert again is not None and picture is not None and again.id == picture.id
    assert len(telegram.sent("sendMediaGroup")) == 1
    assert await driver.balance() == 495
