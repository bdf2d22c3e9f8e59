"""✏️ Edit picture under a delivered post, through the real dispatcher and the strict
Telegram stand-in: the local renderer here, the cloud models through their real SDKs in
tests/handlers/studio/test_edit_cloud.py."""

from __future__ import annotations

import copy
import io

import numpy as np
from PIL import Image

from tests.conftest import PARTNER_ID, Driver
from tests.fakes.telegram import StoredMessage
from tests.handlers.studio.test_wizard import OTHER_ID, walk_to_confirm


def purple_excess(picture: bytes) -> float:
    """How much red and blue stand above green, on average (0..255)."""
    with Image.open(io.BytesIO(picture)) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return float(((red + blue) / 2 - green).mean())


def report(driver: Driver) -> str:
    """The last word on an edit: the "editing…" message as it ended."""
    return next(t for t in reversed(driver.texts(PARTNER_ID)) if "Balance" in t)


def photos(driver: Driver) -> list[StoredMessage]:
    return [m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo]


async def make_a_post(driver: Driver) -> StoredMessage:
    await driver.make_pro()
    await walk_to_confirm(driver, link=None)
    await driver.press(PARTNER_ID, "Generate")
    (photo,) = photos(driver)
    return photo


async def test_the_local_renderer_makes_it_more_purple_and_says_what_it_could_not(
    driver: Driver,
):
    photo = await make_a_post(driver)
    before = await driver.balance()
    await driver.press(PARTNER_ID, "Edit picture", photo)
    assert "What should I change in the picture?" in driver.texts(PARTNER_ID)[-1]
    await driver.send(PARTNER_ID, "more purple and add a cat")

    original, edited = photos(driver)
    assert edited.visible == original.visible  # the post's caption
    assert [b["text"] for b in edited.buttons] == [b["text"] for b in original.buttons]
    assert original.photo is not None and edited.photo is not None
    assert purple_excess(edited.photo) > purple_excess(original.photo) + 5
    told = report(driver)
    assert "I changed: more purple." in told
    assert "I could not: add a cat." in told
    assert await driver.balance() == before - 1
    assert f"Balance: {before - 1}" in told

    images = await driver.app.services.cosmic.images.listing(PARTNER_ID, 10, 0)
    newest = images[0][0]
    assert images[1] == 2 and newest.prompt == "edit: more purple and add a cat"
    assert newest.file_id is not None and newest.model == "cosmic-edit-v1"


async def test_an_edit_of_an_edit_starts_from_the_last_picture(driver: Driver):
    photo = await make_a_post(driver)
    await driver.press(PARTNER_ID, "Edit picture", photo)
    await driver.send(PARTNER_ID, "more purple")
    first = photos(driver)[-1]
    await driver.press(PARTNER_ID, "Edit picture", first)
    await driver.send(PARTNER_ID, "fewer stars, darker")
    original, once, twice = photos(driver)
    assert original.photo and once.photo and twice.photo
    assert purple_excess(twice.photo) > purple_excess(original.photo) + 5
    assert "I changed: fewer stars, darker." in report(driver)


async def test_spanish_and_russian_words_are_understood(driver: Driver):
    photo = await make_a_post(driver)
    await driver.press(PARTNER_ID, "Edit picture", photo)
    await driver.send(PARTNER_ID, "más morado y añade un gato")
    assert "I changed: more purple.\nI could not: añade un gato." in report(driver)
    await driver.press(PARTNER_ID, "Edit picture", photo)
    await driver.send(PARTNER_ID, "меньше звёзд и ярче")
    assert "I changed: fewer stars, brighter." in report(driver)


async def test_nothing_it_can_do_gives_the_token_back(driver: Driver):
    photo = await make_a_post(driver)
    before = await driver.balance()
    await driver.press(PARTNER_ID, "Edit picture", photo)
    await driver.send(PARTNER_ID, "add a cat")
    assert len(photos(driver)) == 1
    told = report(driver)
    assert "I could not do any of it: add a cat." in told
    assert f"Your tokens are back (1). Balance: {before}." in told
    assert await driver.balance() == before


async def test_html_in_the_request_is_escaped_and_the_request_capped(driver: Driver):
    photo = await make_a_post(driver)
    await driver.press(PARTNER_ID, "Edit picture", photo)
    words = "<b>bluer</b> & \u202eadd <script>x</script>\x00" + " cat" * 100
    await driver.send(PARTNER_ID, words)
    told = report(driver)
    assert "I changed: bluer." in told
    assert "<script>" in told  # shown as typed: it was escaped for Telegram
    edits = driver.telegram.sent("editMessageText", PARTNER_ID)
    assert "&lt;script&gt;" in edits[-1].params["text"]
    assert "\u202e" not in edits[-1].params["text"] and "\x00" not in edits[-1].params["text"]
    images = await driver.app.services.cosmic.images.listing(PARTNER_ID, 1, 0)
    assert len(images[0][0].prompt.removeprefix("edit: ")) <= 200


async def test_another_users_press_changes_nothing(driver: Driver):
    photo = copy.deepcopy(await make_a_post(driver))
    before = await driver.balance()
    driver.telegram.add_user(OTHER_ID, "Mallory")
    await driver.press(OTHER_ID, "Edit picture", photo)
    assert "expired" in driver.alerts()[-1]
    await driver.send(OTHER_ID, "more purple")
    assert len(photos(driver)) == 1
    assert driver.telegram.sent("sendPhoto", OTHER_ID) == []
    assert await driver.balance() == before


async def test_forged_edit_buttons_expire(driver: Driver):
    photo = await make_a_post(driver)
    before = await driver.balance()
    for forged in ("post:999999:edit", "post:abc:edit", "post:1:edit:x"):
        await driver.feed(driver.telegram.callback_update(PARTNER_ID, photo, forged))
    assert driver.alerts()[-3:] == ["This button has expired. Send /start to begin again."] * 3
    assert await driver.balance() == before
