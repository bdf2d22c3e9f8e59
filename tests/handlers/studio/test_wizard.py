from __future__ import annotations

import asyncio
import copy
import io
import random

from PIL import Image

from services.generation.base import (
    FailureKind,
    GenerationError,
    ImageRequest,
    ImageResult,
    Usage,
)
from services.studio.captions import CAPTION_LIMIT, visible_length
from tests.conftest import PARTNER_ID, Driver, make_driver

OTHER_ID = 2020


async def walk_to_confirm(driver: Driver, link: str | None = "https://example.com/ref/42"):
    await driver.send(PARTNER_ID, "/studio")
    await driver.press(PARTNER_ID, "FOMO Builder")
    await driver.press(PARTNER_ID, "Crypto Traders")
    await driver.press(PARTNER_ID, "English")
    if link is None:
        await driver.press(PARTNER_ID, "No link")
    else:
        await driver.send(PARTNER_ID, link)


async def test_partner_gets_a_post_for_two_tokens(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    confirm = driver.telegram.last_with_buttons(PARTNER_ID)
    assert "Cost: 2 tokens · your balance: 500" in confirm.visible
    await driver.press(PARTNER_ID, "Generate")

    photos = driver.telegram.sent("sendPhoto", PARTNER_ID)
    assert len(photos) == 1
    caption = driver.telegram.chat_messages(PARTNER_ID)
    photo_message = next(m for m in caption if m.photo)
    assert 0 < visible_length(photo_message.visible) <= CAPTION_LIMIT
    assert "https://example.com/ref/42" in photo_message.visible + "".join(
        driver.texts(PARTNER_ID)
    )
    assert await driver.balance() == 498
    assert any("2 tokens spent, 498 left" in text for text in driver.texts(PARTNER_ID))
    labels = [b["text"] for b in photo_message.buttons]
    assert labels == [
        "🔄 Regenerate",
        "➕ New post",
        "🎴 Cards",
        "📤 Share",
        "📝 New text",
        "🖼 More pictures",
        "✏️ Edit picture",
        "🖥 4K",
        "⬇️ Download original",
    ]
    assert driver.telegram.sent("sendChatAction", PARTNER_ID)


async def test_progress_message_shows_text_before_the_photo(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.press(PARTNER_ID, "Generate")
    edits = [c.params["text"] for c in driver.telegram.sent("editMessageText", PARTNER_ID)]
    assert any("✅ Post written" in text for text in edits)


async def test_not_pro_is_told_and_nothing_is_reserved(driver: Driver):
    await driver.send(PARTNER_ID, "/studio")
    assert "for PRO partners" in driver.texts(PARTNER_ID)[-1]
    assert await driver.balance() == 0


async def test_low_balance_is_told_with_the_balance(driver: Driver):
    ledger = driver.app.services.ledger
    await driver.make_pro()
    await ledger.grant(PARTNER_ID, -499, actor_id=1, note="test", key="drain")
    await driver.send(PARTNER_ID, "/studio")
    assert "A post costs 2 tokens and you have 1" in driver.texts(PARTNER_ID)[-1]


async def test_double_tap_makes_one_post_and_one_debit(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    confirm = copy.deepcopy(driver.telegram.last_with_buttons(PARTNER_ID))
    await asyncio.gather(
        driver.press(PARTNER_ID, "Generate", confirm),
        driver.press(PARTNER_ID, "Generate", confirm),
    )
    await driver.press(PARTNER_ID, "Generate", confirm)
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert await driver.balance() == 498


async def test_failed_image_refunds_and_offers_retry(settings, telegram):
    class BrokenPainter:
        async def paint(self, request: ImageRequest) -> ImageResult:
            raise GenerationError(FailureKind.UNAVAILABLE, "provider down")

    driver = await make_driver(settings, telegram, image_generator=BrokenPainter())
    try:
        await driver.make_pro()
        await walk_to_confirm(driver)
        await driver.press(PARTNER_ID, "Generate")
        assert driver.telegram.sent("sendPhoto", PARTNER_ID) == []
        assert await driver.balance() == 500
        texts = driver.texts(PARTNER_ID)
        assert any("Your 2 tokens were returned. Balance: 500" in t for t in texts)
        assert "Generate" in str(driver.telegram.last_with_buttons(PARTNER_ID).buttons)
    finally:
        await driver.app.close()


async def test_bad_links_are_refused_with_the_rule(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver, link="javascript:alert(1)")
    assert "starts with http:// or https://" in driver.texts(PARTNER_ID)[-1]
    await driver.send(PARTNER_ID, "https://example.com/" + "a" * 5000)
    assert "longer than 200 characters" in driver.texts(PARTNER_ID)[-1]
    await driver.send(PARTNER_ID, "<b>bold</b> & co")
    assert "starts with http:// or https://" in driver.texts(PARTNER_ID)[-1]
    assert await driver.balance() == 500


async def test_link_with_html_characters_is_escaped_everywhere(driver: Driver):
    link = "https://example.com/r?a=1&b=<x>"
    await driver.make_pro()
    await walk_to_confirm(driver, link=link)
    assert link in driver.telegram.last_with_buttons(PARTNER_ID).visible
    await driver.press(PARTNER_ID, "Generate")
    assert any(link in text for text in driver.texts(PARTNER_ID)[-3:])
    assert await driver.balance() == 498


async def test_saved_link_is_offered_next_time(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.send(PARTNER_ID, "/studio")
    await driver.press(PARTNER_ID, "Lifestyle Flex")
    await driver.press(PARTNER_ID, "Students")
    await driver.press(PARTNER_ID, "Español")
    await driver.press(PARTNER_ID, "example.com/ref/42")
    assert (
        "Link: https://example.com/ref/42" in driver.telegram.last_with_buttons(PARTNER_ID).visible
    )


async def test_back_returns_to_the_previous_step(driver: Driver):
    await driver.make_pro()
    await driver.send(PARTNER_ID, "/studio")
    await driver.press(PARTNER_ID, "Giveaway")
    await driver.press(PARTNER_ID, "Back")
    assert "Pick a post type" in driver.telegram.last_with_buttons(PARTNER_ID).visible


async def test_forged_callback_data_expires_politely(driver: Driver):
    await driver.make_pro()
    await driver.send(PARTNER_ID, "/studio")
    message = driver.telegram.last_with_buttons(PARTNER_ID)
    for forged in ("st_t:deadbeef:fomo", "st_t:x", "post:abc:dl", "regen:1:x:1", "zzz"):
        await driver.feed(driver.telegram.callback_update(PARTNER_ID, message, forged))
    assert driver.alerts()[-5:] == ["This button has expired. Send /start to begin again."] * 5
    assert await driver.balance() == 500


async def test_another_users_button_does_nothing(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    confirm = copy.deepcopy(driver.telegram.last_with_buttons(PARTNER_ID))
    driver.telegram.add_user(OTHER_ID, "Mallory")
    await driver.press(OTHER_ID, "Generate", confirm)
    assert driver.telegram.sent("sendPhoto") == []
    assert "expired" in driver.alerts()[-1]
    assert await driver.balance() == 500


async def test_download_and_regenerate(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver, link=None)
    await driver.press(PARTNER_ID, "Generate")
    photo_message = next(m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo)

    await driver.press(PARTNER_ID, "Download original", photo_message)
    document = driver.telegram.sent("sendDocument", PARTNER_ID)[-1]
    assert next(iter(document.files.values())).startswith(b"\x89PNG")

    await driver.press(PARTNER_ID, "Regenerate", photo_message)
    assert "for 2 tokens?" in driver.texts(PARTNER_ID)[-1]
    question = copy.deepcopy(driver.telegram.last_with_buttons(PARTNER_ID))
    await driver.press(PARTNER_ID, "Yes", question)
    await driver.press(PARTNER_ID, "Yes", question)
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 2
    assert await driver.balance() == 496


async def test_another_user_cannot_download_my_image(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver, link=None)
    await driver.press(PARTNER_ID, "Generate")
    photo_message = next(m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo)
    driver.telegram.add_user(OTHER_ID, "Mallory")
    await driver.press(OTHER_ID, "Download original", photo_message)
    assert driver.telegram.sent("sendDocument") == []
    assert "expired" in driver.alerts()[-1]


async def test_generate_after_going_back_has_expired(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    confirm = copy.deepcopy(driver.telegram.last_with_buttons(PARTNER_ID))
    await driver.press(PARTNER_ID, "Back", confirm)
    await driver.press(PARTNER_ID, "Generate", confirm)
    assert driver.telegram.sent("sendPhoto") == []
    assert "expired" in driver.alerts()[-1]
    assert await driver.balance() == 500


async def test_an_image_too_big_for_a_photo_still_arrives(settings, telegram):
    # 2400 x 2400 of noise is a ~17 MB PNG: over Telegram's 10 MB photo limit.
    noise = Image.frombytes("RGB", (2400, 2400), random.Random(1).randbytes(2400 * 2400 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=1)
    huge = buffer.getvalue()
    assert len(huge) > 10 * 1024 * 1024

    class HugePainter:
        provider, model = "fake", "huge"

        async def paint(self, request: ImageRequest) -> ImageResult:
            return ImageResult(huge, 2400, 2400, Usage("fake", "huge"))

    driver = await make_driver(settings, telegram, image_generator=HugePainter())
    try:
        await driver.make_pro()
        await walk_to_confirm(driver)
        await driver.press(PARTNER_ID, "Generate")
        (photo,) = [m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo]
        assert photo.photo is not None and photo.photo[:3] == b"\xff\xd8\xff"  # a JPEG
        assert await driver.balance() == 498
        await driver.press(PARTNER_ID, "Download original", photo)
        (document,) = driver.telegram.sent("sendDocument", PARTNER_ID)
        assert huge in document.files.values()
    finally:
        await driver.app.close()
    assert telegram.errors == []
