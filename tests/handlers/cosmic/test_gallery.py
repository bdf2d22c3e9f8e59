"""The gallery through the real dispatcher: every picture is uploaded once and then sent by
its file_id (a file_id Telegram rejects costs one upload and is replaced), the ★ button
says what it is, and a tap that changes nothing only answers."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from tests.conftest import ADMIN_ID, PARTNER_ID, Driver
from tests.fakes.telegram import FakeTelegram, StoredMessage
from ui.cosmic.callbacks import GalleryDeleteCallback, GalleryPageCallback

USER = PARTNER_ID
IVAN, EVA = 3004, 3005
EDITS = ("editMessageMedia", "editMessageCaption", "editMessageReplyMarkup", "editMessageText")


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    telegram.add_user(IVAN, "Ivan", "ru")
    telegram.add_user(EVA, "Eva", "es")
    return telegram


async def make_images(driver: Driver, *signs: str) -> list[StoredMessage]:
    """Universe images of today's energy, one per sign, as the user received them."""
    await driver.send(ADMIN_ID, f"/tier {USER} universe 30")
    for number, sign in enumerate(signs):
        await driver.send(USER, "/daily")
        if number:
            await driver.press(USER, "Change sign")
        await driver.press(USER, sign)
        await driver.press(USER, "Create my image")
    return [m for m in driver.telegram.chat_messages(USER) if m.photo]


async def open_gallery(driver: Driver) -> StoredMessage:
    await driver.send(USER, "/gallery")
    return driver.telegram.chat_messages(USER)[-1]


def edits(driver: Driver) -> int:
    return sum(len(driver.telegram.sent(method, USER)) for method in EDITS)


def answers(driver: Driver) -> int:
    return len(driver.telegram.sent("answerCallbackQuery"))


async def test_a_gallery_walk_uploads_each_picture_once(driver: Driver):
    leo, virgo = await make_images(driver, "Leo", "Virgo")
    assert len(driver.telegram.photo_uploads(USER)) == 2  # each image on delivery
    gallery = await open_gallery(driver)
    assert gallery.photo is virgo.photo and "Virgo" in gallery.visible  # newest first
    await driver.press(USER, "▶", gallery)
    assert gallery.photo is leo.photo and "2 / 2" in str(gallery.buttons)
    await driver.press(USER, "◀", gallery)
    await driver.press(USER, "◀", gallery)  # round again to the last one
    assert gallery.photo is leo.photo
    await driver.press(USER, "☆ Add to favourites", gallery)
    assert "★ In favourites" in str(gallery.buttons)
    await driver.press(USER, "★ In favourites", gallery)  # unstar
    assert "☆ Add to favourites" in str(gallery.buttons)
    await driver.press(USER, "☆ Add to favourites", gallery)
    await driver.press(USER, "Show favourites", gallery)
    assert gallery.photo is leo.photo and "1 / 1" in str(gallery.buttons)
    await driver.press(USER, "Show all", gallery)
    assert gallery.photo is virgo.photo and "1 / 2" in str(gallery.buttons)
    await driver.press(USER, "Cards", leo)
    menu = driver.telegram.chat_messages(USER)[-1]
    for label in ("Instagram", "Instagram", "X ▭", "Instagram", "X ▭"):
        await driver.press(USER, label, menu)
    cards = [m for m in driver.telegram.chat_messages(USER) if m.photo][-5:]
    assert cards[0].photo is cards[1].photo is cards[3].photo and cards[2].photo is cards[4].photo
    uploads = driver.telegram.photo_uploads(USER)
    assert len(uploads) == 4  # two images, two cards: nothing uploaded twice
    assert set(Counter(hashlib.sha256(data).digest() for data in uploads).values()) == {1}


async def test_a_rejected_file_id_costs_one_upload_and_is_replaced(
    driver: Driver, telegram: FakeTelegram
):
    await make_images(driver, "Leo", "Virgo")
    images = driver.app.services.cosmic.images
    virgo, leo = (await images.page(USER, 0))[0], (await images.page(USER, 1))[0]
    assert virgo is not None and leo is not None and virgo.file_id and leo.file_id
    telegram.forget_file(virgo.file_id)  # e.g. the bot's token changed: old ids are unknown
    telegram.forget_file(leo.file_id)
    before = len(telegram.photo_uploads(USER))
    gallery = await open_gallery(driver)  # sendPhoto by file_id, refused, then one upload
    await driver.press(USER, "▶", gallery)  # editMessageMedia: the same
    assert "Leo" in gallery.visible and len(telegram.photo_uploads(USER)) == before + 2
    refused = [(call.method, reason) for call, reason in telegram.errors]
    assert [method for method, _ in refused] == ["sendPhoto", "editMessageMedia"]
    assert all("wrong file identifier" in reason for _, reason in refused)
    telegram.errors.clear()  # expected: the driver fixture checks the rest of the test
    new_virgo, new_leo = await images.owned(USER, virgo.id), await images.owned(USER, leo.id)
    assert new_virgo is not None and new_virgo.file_id not in (None, virgo.file_id)
    assert new_leo is not None and new_leo.file_id not in (None, leo.file_id)
    await driver.press(USER, "◀", gallery)
    gallery = await open_gallery(driver)
    await driver.press(USER, "▶", gallery)
    assert len(telegram.photo_uploads(USER)) == before + 2  # the new ids serve from now on


async def test_a_rejected_card_file_id_is_uploaded_again_once(
    driver: Driver, telegram: FakeTelegram
):
    (leo,) = await make_images(driver, "Leo")
    await driver.press(USER, "Cards", leo)
    menu = telegram.chat_messages(USER)[-1]
    await driver.press(USER, "Instagram", menu)
    card = (await driver.app.services.cards.cards.sent_for([1]))[0]
    assert card.file_id is not None
    telegram.forget_file(card.file_id)
    before = len(telegram.photo_uploads(USER))
    await driver.press(USER, "Instagram", menu)
    await driver.press(USER, "Instagram", menu)
    assert len(telegram.photo_uploads(USER)) == before + 1
    assert [reason for _, reason in telegram.errors] == [
        "Bad Request: wrong file identifier/HTTP URL specified"
    ]
    telegram.errors.clear()
    (renewed,) = await driver.app.services.cards.cards.sent_for([1])
    assert renewed.file_id not in (None, card.file_id)


async def test_taps_that_change_nothing_only_answer(driver: Driver, telegram: FakeTelegram):
    await make_images(driver, "Leo")
    gallery = await open_gallery(driver)
    image_id = (await driver.app.services.cosmic.images.page(USER, 0))[0].id  # type: ignore[union-attr]
    for label in ("◀", "▶", "1 / 1"):  # one image: every page is this page
        before_edits, before_answers = edits(driver), answers(driver)
        await driver.press(USER, label, gallery)
        assert (edits(driver), answers(driver)) == (before_edits, before_answers + 1), label
    await driver.press(USER, "Show favourites", gallery)
    assert "No favourites yet" in gallery.visible
    again = GalleryPageCallback(favourites=True, image_id=image_id)
    before_edits = edits(driver)
    await driver.feed(telegram.callback_update(USER, gallery, again.pack()))  # filter chosen
    assert edits(driver) == before_edits
    await driver.press(USER, "Show all", gallery)
    await driver.press(USER, "☆ Add to favourites", gallery)
    await driver.press(USER, "Show favourites", gallery)
    assert "1 / 1" in str(gallery.buttons) and "Show all" in str(gallery.buttons)
    before_edits = edits(driver)
    for label in ("1 / 1", "▶"):
        await driver.press(USER, label, gallery)
    await driver.press(USER, "Delete", gallery)
    confirm = driver.telegram.callback_update  # the Delete screen asked for again
    delete = GalleryDeleteCallback(favourites=True, image_id=image_id)
    await driver.feed(confirm(USER, gallery, delete.pack()))
    assert edits(driver) == before_edits + 1  # only the first Delete changed the screen
    await driver.press(USER, "No", gallery)
    assert "★ In favourites" in str(gallery.buttons)


async def test_todays_shared_image_with_a_rejected_file_id_is_uploaded_once_more(
    driver: Driver, telegram: FakeTelegram
):
    for user_id in (USER, IVAN, EVA):  # free users: today's shared image of their sign
        await driver.send(user_id, "/start")
    await driver.send(USER, "/daily")
    await driver.press(USER, "♌")
    (first,) = telegram.sent("sendPhoto", USER)
    assert first.files  # the first send of the day uploads
    shown = next(m for m in telegram.chat_messages(USER) if m.photo)
    assert shown.photo is not None
    telegram.forget_file(next(k for k, v in telegram.files.items() if v is shown.photo))
    await driver.send(IVAN, "/daily")
    await driver.press(IVAN, "♌")  # the cached file_id is refused: one upload, a new id
    assert [reason for _, reason in telegram.errors] == [
        "Bad Request: wrong file identifier/HTTP URL specified"
    ]
    telegram.errors.clear()
    assert len(telegram.photo_uploads(IVAN)) == 1
    await driver.send(EVA, "/daily")
    await driver.press(EVA, "♌")
    assert telegram.photo_uploads(EVA) == [] and len(telegram.sent("sendPhoto", EVA)) == 1
    ivan = (await driver.app.services.cosmic.images.page(IVAN, 0))[0]
    eva = (await driver.app.services.cosmic.images.page(EVA, 0))[0]
    assert ivan is not None and eva is not None and ivan.file_id == eva.file_id


async def test_the_star_shows_the_state_and_a_stale_one_does_what_it_said(driver: Driver):
    (leo,) = await make_images(driver, "Leo")
    assert "☆ Add to favourites" in str(leo.buttons)
    await driver.press(USER, "☆ Add to favourites", leo)
    assert "★ In favourites" in str(leo.buttons) and "Saved to favourites" in driver.alerts()[-1]
    gallery = await open_gallery(driver)
    assert "★ In favourites" in str(gallery.buttons)
    await driver.press(USER, "★ In favourites", gallery)  # unstarred in the gallery ...
    before = edits(driver)
    await driver.press(USER, "★ In favourites", leo)  # ... then under the original photo
    image = (await driver.app.services.cosmic.images.page(USER, 0))[0]
    assert image is not None and not image.favourite  # still out, as the tap asked
    assert "☆ Add to favourites" in str(leo.buttons) and edits(driver) == before + 1
    assert driver.alerts()[-1] == "Removed from favourites"
    await driver.send(IVAN, "/start")
    await driver.send(ADMIN_ID, f"/tier {IVAN} universe 30")
    await driver.send(IVAN, "/daily")
    await driver.press(IVAN, "♌")
    await driver.press(IVAN, "✨")
    photo = [m for m in driver.telegram.chat_messages(IVAN) if m.photo][-1]
    assert "☆ Добавить в избранное" in str(photo.buttons)
    await driver.press(IVAN, "☆", photo)
    assert "★ В избранном" in str(photo.buttons)
