"""With an HTTPS WEBHOOK_URL the studio's and the gallery's messages carry an "Open in app"
button that opens the Mini App on the same screen; without one, they do not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.telegram import FakeTelegram, StoredMessage

APP = "https://bot.example.com/app/"


@pytest.fixture
async def app_driver(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Driver]:
    https = settings.model_copy(update={"webhook_url": "https://bot.example.com"})
    made = await make_driver(https, telegram)
    yield made
    await made.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


def app_buttons(shown: StoredMessage | list[dict[str, Any]]) -> list[dict[str, Any]]:
    buttons = shown.buttons if isinstance(shown, StoredMessage) else shown
    return [button for button in buttons if "web_app" in button]


async def post(driver: Driver) -> tuple[list[dict[str, Any]], StoredMessage]:
    """The buttons of the studio's first screen and the post's photo, as the partner
    received them (the wizard's steps then edit the first screen)."""
    await driver.make_pro()
    await driver.send(PARTNER_ID, "/studio")
    start = [dict(b) for b in driver.telegram.last_with_buttons(PARTNER_ID).buttons]
    await driver.press(PARTNER_ID, "FOMO Builder")
    await driver.press(PARTNER_ID, "Crypto Traders")
    await driver.press(PARTNER_ID, "English")
    await driver.press(PARTNER_ID, "No link")
    await driver.press(PARTNER_ID, "Generate")
    photo = next(m for m in driver.telegram.chat_messages(PARTNER_ID) if m.photo)
    return start, photo


async def gallery(driver: Driver) -> StoredMessage:
    await driver.send(ADMIN_ID, f"/tier {PARTNER_ID} universe 30")
    for number, sign in enumerate(("Leo", "Virgo")):
        await driver.send(PARTNER_ID, "/daily")
        if number:
            await driver.press(PARTNER_ID, "Change sign")
        await driver.press(PARTNER_ID, sign)
        await driver.press(PARTNER_ID, "Create my image")
    await driver.send(PARTNER_ID, "/gallery")
    return driver.telegram.chat_messages(PARTNER_ID)[-1]


async def test_the_studio_opens_in_the_app(app_driver: Driver):
    start, photo = await post(app_driver)
    for message in (start, photo):
        [button] = app_buttons(message)
        assert button["text"] == "📱 Open in app"
        assert button["web_app"] == {"url": f"{APP}?screen=studio"}
        assert "callback_data" not in button


async def test_the_gallery_opens_in_the_app_on_every_page(app_driver: Driver):
    shown = await gallery(app_driver)
    assert [b["web_app"]["url"] for b in app_buttons(shown)] == [f"{APP}?screen=gallery"]
    await app_driver.press(PARTNER_ID, "▶", shown)
    assert "2 / 2" in str(shown.buttons)
    assert [b["web_app"]["url"] for b in app_buttons(shown)] == [f"{APP}?screen=gallery"]


async def test_in_spanish_the_button_speaks_spanish(app_driver: Driver):
    app_driver.telegram.add_user(3005, "Eva", "es")
    await app_driver.send(3005, "/start")  # her account, in her language
    await app_driver.make_pro(3005)
    await app_driver.send(3005, "/studio")
    [button] = app_buttons(app_driver.telegram.last_with_buttons(3005))
    assert button["text"] == "📱 Abrir en la app"


async def test_without_an_https_webhook_there_is_no_app_button(driver: Driver):
    assert driver.app.settings.webhook_url is None
    start, photo = await post(driver)
    shown = await gallery(driver)
    assert app_buttons(start) == app_buttons(photo) == app_buttons(shown) == []
