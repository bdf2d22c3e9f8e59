"""The per-user anti-flood limit at its defaults, through the real dispatcher: a flood is
cut at the burst with one "slow down" note, nobody else notices, admins are never limited;
with Redis the limit holds across processes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.telegram import FakeTelegram

FLOODER, NEIGHBOUR = 2001, 2002
BURST = Settings.model_fields["flood_burst"].default
RATE = Settings.model_fields["flood_rate"].default
NOTES = {
    "en": "Slow down a little",
    "es": "Ve un poco más despacio",
    "ru": "Чуть помедленнее",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The limit as it ships (the suite's scripted users get a higher one)."""
    return settings.model_copy(update={"flood_burst": BURST, "flood_rate": RATE})


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    telegram.add_user(FLOODER, "Flo", "es")
    telegram.add_user(NEIGHBOUR, "Ned")
    return telegram


def answers(driver: Driver, user_id: int) -> tuple[list[str], list[str]]:
    """(replies to /help, slow-down notes) the user received."""
    texts = driver.texts(user_id)
    notes = [t for t in texts if any(t.startswith(n) for n in NOTES.values())]
    return [t for t in texts if t not in notes], notes


async def flood(driver: Driver, user_id: int, count: int = 50) -> float:
    started = time.monotonic()
    for _ in range(count):
        await driver.send(user_id, "/help")
    return time.monotonic() - started


def assert_cut_at_the_burst(handled: int, seconds: float) -> None:
    assert seconds < 1.0, "the flood took too long to be one"
    assert BURST <= handled <= BURST + int(RATE * seconds) + 1


async def test_a_flood_is_cut_at_the_burst_with_one_note(driver: Driver):
    seconds = await flood(driver, FLOODER)
    replies, notes = answers(driver, FLOODER)
    assert_cut_at_the_burst(len(replies), seconds)
    assert len(notes) == 1 and notes[0].startswith(NOTES["es"])  # in the person's language
    await driver.send(NEIGHBOUR, "/help")  # somebody else, at the same moment
    assert len(answers(driver, NEIGHBOUR)[0]) == 1
    await flood(driver, FLOODER, 5)  # still flooding: dropped, no second note
    assert answers(driver, FLOODER) == (replies, notes)


async def test_a_flood_of_presses_is_told_on_the_button(driver: Driver):
    await driver.send(NEIGHBOUR, "/start")
    menu = driver.telegram.last_with_buttons(NEIGHBOUR)
    label = menu.buttons[0]["text"]
    answered_before = len(driver.telegram.sent("answerCallbackQuery"))
    for _ in range(30):
        await driver.feed(driver.telegram.press(NEIGHBOUR, menu, label))
    alerts = [a for a in driver.alerts() if a.startswith(NOTES["en"])]
    assert len(alerts) == 1  # the note comes as the button's answer, once
    # and every press is answered (handled, noted or dropped): no button keeps spinning
    assert len(driver.telegram.sent("answerCallbackQuery")) - answered_before == 30


async def test_admins_are_never_limited(driver: Driver):
    await flood(driver, ADMIN_ID)
    replies, notes = answers(driver, ADMIN_ID)
    assert len(replies) == 50 and notes == []


@pytest.fixture
async def two_processes(
    settings: Settings, telegram: FakeTelegram, redis_url: str
) -> AsyncIterator[tuple[Driver, Driver]]:
    shared = settings.model_copy(update={"redis_url": redis_url})
    first = await make_driver(shared, telegram)
    second = await make_driver(shared, telegram)
    yield first, second
    await first.app.close()
    await second.app.close()
    assert telegram.errors == []


async def test_with_redis_the_limit_holds_across_processes(two_processes):
    first, second = two_processes
    started = time.monotonic()
    for n in range(50):  # the updates are shared out between two processes
        await (first if n % 2 else second).send(FLOODER, "/help")
    replies, notes = answers(first, FLOODER)
    assert_cut_at_the_burst(len(replies), time.monotonic() - started)
    assert len(notes) == 1
    await second.send(PARTNER_ID, "/help")
    assert len(answers(first, PARTNER_ID)[0]) == 1
