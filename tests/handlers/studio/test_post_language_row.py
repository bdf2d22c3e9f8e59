"""The studio's post-language step offers the person's own UI language first."""

from __future__ import annotations

import pytest

from tests.conftest import PARTNER_ID, Driver
from tests.fakes.telegram import FakeTelegram
from ui.studio.keyboards import own_language_first

RUSSIAN, SPANISH = 3005, 3006


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    telegram.add_user(RUSSIAN, "Вера", "ru")
    telegram.add_user(SPANISH, "Lucía", "es-MX")
    return telegram


async def language_buttons(driver: Driver, user_id: int) -> list[str]:
    await driver.send(user_id, "/start")  # a partner starts the bot before being made PRO
    await driver.make_pro(user_id)
    await driver.send(user_id, "/studio")
    for _ in ("post type", "audience"):  # the first button of each step
        screen = driver.telegram.last_with_buttons(user_id)
        first = screen.buttons[0]["callback_data"]
        await driver.feed(driver.telegram.callback_update(user_id, screen, first))
    screen = driver.telegram.last_with_buttons(user_id)
    return [b["text"] for b in screen.buttons if "⬅️" not in b["text"] and "✖️" not in b["text"]]


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [(RUSSIAN, ["Русский", "English", "Español"]), (SPANISH, ["Español", "English", "Русский"])],
)
async def test_the_post_language_row_starts_with_the_ui_language(
    driver: Driver, user_id: int, expected: list[str]
):
    assert await language_buttons(driver, user_id) == expected


async def test_an_english_speaker_keeps_english_first(driver: Driver):
    assert (await language_buttons(driver, PARTNER_ID))[0] == "English"


def test_the_rest_keep_their_order():
    ten = ("en", "ar", "de", "es", "fr", "it", "pt", "ru", "tr", "uk")
    assert own_language_first(ten, "ru") == (
        "ru",
        "en",
        "ar",
        "de",
        "es",
        "fr",
        "it",
        "pt",
        "tr",
        "uk",
    )
    assert own_language_first(ten, "xx") == ten
