"""A delivered post's "4K" through the real dispatcher and the strict Telegram stand-in: the
local poster drawn again at 3840 x 2160 and sent as a PNG document, its price (when it has
one) held, committed or refunded once, and nobody else's press reaching anything."""

from __future__ import annotations

import asyncio
import copy
import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from redis.asyncio import Redis

from bot.config import Settings
from services.generation.base import (
    FailureKind,
    GenerationError,
    ImageRequest,
    ImageResult,
)
from services.generation.local.painter import LocalImageRenderer
from services.studio.captions import CAPTION_LIMIT, visible_length
from services.studio.poster import drawn_poster
from tests.conftest import PARTNER_ID, Driver, make_driver, models_table
from tests.fakes.telegram import FakeTelegram, StoredMessage
from tests.handlers.studio.test_wizard import OTHER_ID, walk_to_confirm

FOUR_K = (3840, 2160)
MAKING = "Making your 4K picture"


async def delivered_post(driver: Driver) -> StoredMessage:
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.press(PARTNER_ID, "Generate")
    return next(m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo)


def documents(telegram: FakeTelegram) -> list[bytes]:
    return [data for call in telegram.sent("sendDocument") for data in call.files.values()]


def size_of(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def likeness(first: bytes, second: bytes) -> float:
    """Mean difference (0-255) of the two pictures seen as small thumbnails."""
    thumbs = []
    for png in (first, second):
        with Image.open(io.BytesIO(png)) as image:
            thumbs.append(image.convert("RGB").resize((96, 54), Image.Resampling.BOX))
    return sum(ImageStat.Stat(ImageChops.difference(*thumbs)).mean) / 3


def settings_with(settings: Settings, **changes: object) -> Settings:
    return Settings(_env_file=None, **{**settings.model_dump(), **changes})  # type: ignore[arg-type]


async def test_four_k_sends_the_poster_drawn_again_at_3840_by_2160(driver: Driver):
    photo_message = await delivered_post(driver)
    await driver.press(PARTNER_ID, "4K", photo_message)

    assert MAKING in driver.alerts()[-1]
    (call,) = driver.telegram.sent("sendDocument", PARTNER_ID)
    assert call.params["reply_parameters"]["message_id"] == photo_message.message_id
    (png,) = call.files.values()
    assert size_of(png) == FOUR_K
    # the same poster (its recipe: headline, palette, seed), drawn again at 4K
    original = photo_message.photo or b""
    assert drawn_poster(png) == drawn_poster(original) is not None
    assert likeness(png, original) < 6
    (document,) = [m for m in driver.telegram.chat_messages(PARTNER_ID) if m.document]
    assert 0 < visible_length(document.visible) <= CAPTION_LIMIT
    assert "4K · 3840×2160 · PNG" in document.visible and "Upscaled" not in document.visible
    assert await driver.balance() == 498  # free by default
    rows = await driver.app.services.db.fetch_all(
        "SELECT provider, status, post_id FROM generations WHERE kind = 'image' ORDER BY id"
    )
    post_id = rows[0]["post_id"]  # the post's painting, then its 4K drawing
    assert [tuple(row) for row in rows] == [("local", "ok", post_id), ("local", "ok", post_id)]


async def stored_picture(driver: Driver) -> Path:
    row = await driver.app.services.db.fetch_one(
        "SELECT image_path FROM posts WHERE user_id = ?", (PARTNER_ID,)
    )
    assert row is not None
    return driver.app.settings.media_dir / row["image_path"]


async def test_a_picture_without_its_recipe_is_upscaled_and_says_so(driver: Driver):
    photo_message = await delivered_post(driver)
    path = await stored_picture(driver)
    with Image.open(path) as image:  # as posters were stored before they carried a recipe
        image.convert("RGB").save(path, format="PNG")
    await driver.press(PARTNER_ID, "4K", photo_message)
    (png,) = documents(driver.telegram)
    assert size_of(png) == FOUR_K
    assert likeness(png, photo_message.photo or b"") < 3
    (document,) = [m for m in driver.telegram.chat_messages(PARTNER_ID) if m.document]
    assert "Upscaled from the original picture (Lanczos resampling)." in document.visible


async def test_a_picture_deleted_from_the_gallery_still_has_its_4k(driver: Driver):
    photo_message = await delivered_post(driver)
    images = driver.app.services.cosmic.images
    image, count = await images.page(PARTNER_ID, 0)
    assert image is not None and count == 1
    assert await images.delete(PARTNER_ID, image.id)
    await driver.press(PARTNER_ID, "4K", photo_message)
    (png,) = documents(driver.telegram)
    assert size_of(png) == FOUR_K and drawn_poster(png) == drawn_poster(photo_message.photo or b"")


async def test_a_picture_no_longer_stored_is_explained(driver: Driver):
    photo_message = await delivered_post(driver)
    (await stored_picture(driver)).unlink()
    await driver.press(PARTNER_ID, "4K", photo_message)
    assert documents(driver.telegram) == []
    told = driver.texts(PARTNER_ID)[-1]
    assert "could not be made. The post's picture is no longer stored." in told
    assert "tokens" not in told  # it was free


async def test_a_second_press_while_it_is_made_makes_one(driver: Driver):
    photo_message = await delivered_post(driver)
    await asyncio.gather(
        driver.press(PARTNER_ID, "4K", photo_message),
        driver.press(PARTNER_ID, "4K", photo_message),
    )
    assert len(documents(driver.telegram)) == 1
    answers = driver.alerts()[-2:]
    assert sum(MAKING in answer for answer in answers) == 1
    assert sum("being made already" in answer for answer in answers) == 1


async def test_another_users_press_and_forged_posts_change_nothing(driver: Driver):
    photo_message = await delivered_post(driver)
    driver.telegram.add_user(OTHER_ID, "Mallory")
    await driver.press(OTHER_ID, "4K", photo_message)
    for forged in ("post:999999:4k", "post:-1:4k", "4k:999999:abc:1", "4k:x:y:z"):
        await driver.feed(driver.telegram.callback_update(PARTNER_ID, photo_message, forged))
    assert driver.alerts()[-5:] == ["This button has expired. Send /start to begin again."] * 5
    assert documents(driver.telegram) == []
    assert await driver.balance() == 498


@pytest.fixture
async def priced(settings: Settings, telegram: FakeTelegram, tmp_path: Path):
    four_k_costs_one = settings_with(settings, prices_file=models_table(tmp_path, four_k=1))
    driver = await make_driver(four_k_costs_one, telegram)
    yield driver
    await driver.app.close()
    assert telegram.errors == []


async def reservations(driver: Driver) -> list[tuple[str, str]]:
    rows = await driver.app.services.db.fetch_all(
        "SELECT idempotency_key, status FROM reservations"
        " WHERE idempotency_key LIKE 'four_k:%' ORDER BY id"
    )
    return [(row["idempotency_key"], row["status"]) for row in rows]


async def test_a_priced_four_k_asks_first_and_costs_exactly_its_price(priced: Driver):
    photo_message = await delivered_post(priced)
    await priced.press(PARTNER_ID, "4K", photo_message)
    question = copy.deepcopy(priced.telegram.last_with_buttons(PARTNER_ID))
    assert "in 4K (3840×2160)? Price in tokens: 1 · your balance: 498." in question.visible
    assert documents(priced.telegram) == []
    await priced.press(PARTNER_ID, "Yes, make it in 4K", question)
    await priced.press(PARTNER_ID, "Yes, make it in 4K", question)  # the same order again

    (png,) = documents(priced.telegram)
    assert size_of(png) == FOUR_K
    assert await priced.balance() == 497
    assert "ordered already" in priced.alerts()[-1]
    (document,) = [m for m in priced.telegram.chat_messages(PARTNER_ID) if m.document]
    assert "Tokens spent: 1 · balance: 497." in document.visible
    assert [status for _, status in await reservations(priced)] == ["committed"]


async def test_no_keeps_the_tokens(priced: Driver):
    photo_message = await delivered_post(priced)
    await priced.press(PARTNER_ID, "4K", photo_message)
    await priced.press(PARTNER_ID, "No")
    assert "no 4K picture" in priced.texts(PARTNER_ID)[-1]
    assert documents(priced.telegram) == [] and await priced.balance() == 498


async def test_without_the_tokens_nothing_is_made(priced: Driver):
    photo_message = await delivered_post(priced)
    ledger = priced.app.services.ledger
    await ledger.grant(PARTNER_ID, -498, actor_id=1, note="test", key="drain")
    await priced.press(PARTNER_ID, "4K", photo_message)
    await priced.press(PARTNER_ID, "Yes")
    assert priced.alerts()[-1] == (
        "Not enough tokens for a 4K picture: it costs 1, your balance is 0."
    )
    assert documents(priced.telegram) == [] and await reservations(priced) == []
    await ledger.grant(PARTNER_ID, 1, actor_id=1, note="test", key="top up")
    await priced.press(PARTNER_ID, "Yes")  # the lock was let go: it can be ordered now
    assert len(documents(priced.telegram)) == 1 and await priced.balance() == 0


class NoFourK:
    """Paints posts as the local renderer does, and cannot draw anything at 4K."""

    provider, model = "local", "no-4k"

    async def paint(self, request: ImageRequest) -> ImageResult:
        if request.width >= FOUR_K[0]:
            raise GenerationError(FailureKind.UNAVAILABLE, "out of memory")
        return await LocalImageRenderer().paint(request)


async def test_a_failing_renderer_refunds_once_and_tells(settings, telegram, tmp_path):
    changed = settings_with(settings, prices_file=models_table(tmp_path, four_k=1))
    driver = await make_driver(changed, telegram, image_generator=NoFourK())
    try:
        photo_message = await delivered_post(driver)
        await driver.press(PARTNER_ID, "4K", photo_message)
        await driver.press(PARTNER_ID, "Yes")
        assert documents(telegram) == []
        assert await driver.balance() == 498
        told = driver.texts(PARTNER_ID)[-1]
        assert "the 4K picture could not be made" in told
        assert "Tokens returned: 1 · balance: 498." in told
        assert [status for _, status in await reservations(driver)] == ["refunded"]
        refunds = await driver.app.services.db.fetch_all(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'refund'"
        )
        assert refunds[0][0] == 1
    finally:
        await driver.app.close()
    assert telegram.errors == []


async def test_through_the_redis_stream_with_its_lock_in_redis(
    redis_url, settings, telegram, tmp_path
):
    prices = models_table(tmp_path, four_k=1)
    changed = settings_with(settings, redis_url=redis_url, prices_file=prices)
    driver = await make_driver(changed, telegram)
    try:
        photo_message = await delivered_post(driver)
        await driver.press(PARTNER_ID, "4K", photo_message)
        await driver.press(PARTNER_ID, "Yes")  # held here, made by this app's worker
        (png,) = documents(telegram)
        assert size_of(png) == FOUR_K and await driver.balance() == 497
        assert [status for _, status in await reservations(driver)] == ["committed"]
        async with Redis.from_url(redis_url) as redis:
            assert await redis.keys("lock:four_k:*") == []  # let go when the job ended
    finally:
        await driver.app.close()
    assert telegram.errors == []
