"""Cosmic Coach through the real dispatcher: what a free, a cosmic and a universe user get."""

from __future__ import annotations

import pytest

from services.cosmic.moon import moon_on
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver
from tests.fakes.telegram import FakeTelegram

USER = PARTNER_ID
OTHER = 3003


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    telegram.add_user(OTHER, "Olga", "ru")
    return telegram


async def set_tier(driver: Driver, tier: str, user_id: int = USER) -> None:
    await driver.send(ADMIN_ID, f"/tier {user_id} {tier} 30")
    assert f"{user_id} is now on {tier}" in driver.texts(ADMIN_ID)[-1]


def photos(driver: Driver, user_id: int = USER):
    return [m for m in driver.telegram.chat_messages(user_id) if m.photo]


async def test_free_users_share_todays_image_uploaded_once(driver: Driver):
    await driver.send(USER, "/daily")
    await driver.press(USER, "Leo")
    assert len(photos(driver)) == 1 and "Leo" in photos(driver)[0].visible
    assert "See /plan" in driver.texts(USER)[-1]
    await driver.send(OTHER, "/daily")
    await driver.press(OTHER, "♌")
    sends = driver.telegram.sent("sendPhoto")
    assert isinstance(sends[-1].params["photo"], str)  # the second send reuses the file_id
    rows = await driver.app.services.db.fetch_all("SELECT kind FROM generations")
    assert len(rows) == 1  # painted once for everyone
    await driver.send(USER, "/daily")  # the sign is remembered
    assert len(photos(driver)) == 2


async def test_cosmic_users_adjust_their_reading_and_get_three_a_week(driver: Driver):
    await set_tier(driver, "cosmic")
    await driver.send(USER, "/daily")
    await driver.press(USER, "Aries")
    reading = driver.telegram.last_with_buttons(USER)
    assert "Energy:" in reading.visible and "Focus:" in reading.visible
    energy = int(reading.visible.split("/10")[0].split()[-1])
    await driver.press(USER, "Energy", reading)  # "➖ Energy"
    assert f"{max(1, energy - 1)}/10" in driver.telegram.last_with_buttons(USER).visible
    await driver.press(USER, "love")
    await driver.press(USER, "Create my image")
    assert len(photos(driver)) == 1 and "love" in photos(driver)[0].visible
    await driver.send(USER, "/match")
    await driver.press(USER, "Leo")
    await driver.press(USER, "Aquarius")
    assert "% compatible" in photos(driver)[-1].visible
    await driver.send(USER, "/moon")
    await driver.press(USER, "Full moon")
    await driver.press(USER, "Create the ritual")
    assert any("1. " in text and "moonlight" in text for text in driver.texts(USER))
    assert len(photos(driver)) == 3
    await driver.send(USER, "/moon")
    await driver.press(USER, "New moon")
    await driver.press(USER, "Create the ritual")
    assert "used this week's images" in driver.texts(USER)[-1]
    assert len(photos(driver)) == 3
    await driver.send(USER, "/usage")
    usage = driver.texts(USER)[-1]
    assert "Cosmic" in usage and "3 / 3" in usage and "remaining: 0" in usage
    await driver.send(USER, "/avatar")
    assert "Universe plan" in driver.texts(USER)[-1]


async def test_the_moon_screen_preselects_todays_phase(driver: Driver):
    await driver.send(USER, "/moon")
    screen = driver.telegram.last_with_buttons(USER)
    today = moon_on(driver.app.services.cosmic.clock.today())
    assert f"{round(today.illumination * 100)}% lit" in screen.visible
    assert any("✓" in b["text"] and "(now)" in b["text"] for b in screen.buttons)


async def test_universe_avatar_with_typed_traits_escaped(driver: Driver):
    await set_tier(driver, "universe")
    await driver.send(USER, "/avatar")
    await driver.press(USER, "Scorpio")
    await driver.press(USER, "I don't know")
    await driver.press(USER, "Leo")
    await driver.press(USER, "brave")
    await driver.press(USER, "Type my own")
    await driver.send(USER, "<b>bold</b> & wild")
    await driver.press(USER, "Create my avatar")
    (photo,) = photos(driver)
    assert "<b>bold</b> & wild" in photo.visible and "♏ Scorpio · ☽ ♏ Scorpio" in photo.visible
    image = (await driver.app.services.cosmic.images.page(USER, 0))[0]
    assert image.quality == "hd" and "<b>" not in image.prompt


async def test_gallery_is_private_and_can_delete(driver: Driver):
    await set_tier(driver, "universe")
    for sign in ("Leo", "Virgo"):
        await driver.send(USER, "/daily")
        if sign == "Virgo":
            await driver.press(USER, "Change sign")
        await driver.press(USER, sign)
        await driver.press(USER, "Create my image")
    await driver.send(USER, "/gallery")
    gallery = driver.telegram.last_with_buttons(USER)
    assert "1 / 2" in str(gallery.buttons) and "Virgo" in gallery.visible
    await driver.press(USER, "▶", gallery)
    assert "Leo" in gallery.visible and "2 / 2" in str(gallery.buttons)
    await driver.press(USER, "☆ Add to favourites", gallery)
    assert "★ In favourites" in str(gallery.buttons)
    # Someone else pressing the same button (or forging its data) reaches nothing.
    await driver.send(OTHER, "/start")
    await driver.feed(driver.telegram.press(OTHER, gallery, "Delete"))
    assert "устарела" in driver.alerts()[-1]  # "this button has expired", in Russian
    await driver.press(USER, "Delete", gallery)
    await driver.press(USER, "Yes, delete", gallery)
    assert "1 / 1" in str(gallery.buttons) and "Virgo" in gallery.visible
    await driver.press(USER, "Show favourites", gallery)
    assert "No favourites yet" in gallery.visible


async def test_favourite_and_download_under_a_new_image(driver: Driver):
    await set_tier(driver, "cosmic")
    await driver.send(USER, "/match")
    await driver.press(USER, "Gemini")
    await driver.press(USER, "Libra")
    photo = photos(driver)[-1]
    await driver.press(USER, "☆ Add to favourites", photo)
    assert "★ In favourites" in str(photo.buttons)
    await driver.press(USER, "Download", photo)
    (document,) = driver.telegram.sent("sendDocument", USER)
    assert document.files and next(iter(document.files.values())).startswith(b"\x89PNG")


async def test_back_buttons_and_cancel(driver: Driver):
    await set_tier(driver, "universe")
    await driver.send(USER, "/match")
    await driver.press(USER, "Leo")
    await driver.press(USER, "Back")
    assert "Your sign:" in driver.telegram.last_with_buttons(USER).visible
    await driver.send(USER, "/avatar")
    await driver.press(USER, "Aries")
    await driver.press(USER, "Back")
    assert "sun sign" in driver.telegram.last_with_buttons(USER).visible
    await driver.press(USER, "Taurus")
    await driver.send(USER, "/cancel")
    before = len(driver.telegram.chat_messages(USER))
    await driver.feed(driver.telegram.press(USER, driver.telegram.chat_messages(USER)[-2], "Leo"))
    assert "expired" in driver.alerts()[-1]  # the avatar flow ended with /cancel
    assert len(driver.telegram.chat_messages(USER)) == before


async def test_forged_cosmic_buttons_change_nothing(driver: Driver):
    await set_tier(driver, "cosmic")
    await driver.send(USER, "/daily")
    screen = driver.telegram.chat_messages(USER)[-1]
    forged = [
        "dm:leo:5::",
        "dm:leo:11:bold:love",
        "ds:ophiuchus",
        "m2::leo",
        "mg:blue_moon",
        "gy:0:0:999999",
        "im:999999",
        "pl:free_money",
    ]
    for data in forged:
        await driver.feed(driver.telegram.callback_update(USER, screen, data))
    assert len(driver.alerts()) == len(forged)
    assert all("expired" in alert for alert in driver.alerts())
    assert (
        photos(driver) == []
        and (
            await driver.app.services.cosmic.usage_of(await driver.app.services.accounts.get(USER))
        ).used
        == 0
    )


async def test_the_main_menu_leads_to_cosmic_coach(driver: Driver):
    await driver.send(USER, "/start")
    menu = driver.telegram.last_with_buttons(USER)
    await driver.press(USER, "Today's energy", menu)
    assert "Choose your sign" in driver.texts(USER)[-1]
    await driver.press(USER, "Gallery", menu)
    assert "gallery is empty" in driver.texts(USER)[-1]
    await driver.press(USER, "Plans", menu)
    assert "Pay with Telegram Stars" in driver.texts(USER)[-1]
    await driver.press(USER, "Balance", menu)
    assert "Your balance" in driver.texts(USER)[-1]
