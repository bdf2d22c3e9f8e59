"""Issue 10, part 1: screens that a press would not change are only answered, and whatever
depends on the date (weeks, months, paid days, the moon, midnight) holds on its edges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.config import Settings
from services.cosmic.astro import Focus, Mood
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.telegram import FakeTelegram

USER = PARTNER_ID


def edits(driver: Driver) -> int:
    return sum(
        len(driver.telegram.sent(method))
        for method in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")
    )


async def set_tier(driver: Driver, tier: str, days: int = 30) -> None:
    await driver.send(ADMIN_ID, f"/tier {USER} {tier} {days}")
    assert f"{USER} is now on {tier}" in driver.texts(ADMIN_ID)[-1]


def photos(driver: Driver) -> int:
    return sum(1 for m in driver.telegram.chat_messages(USER) if m.photo)


async def press_unchanged(driver: Driver, label: str) -> None:
    """Presses a button that leads to the screen already shown: answered, nothing edited."""
    before, answers = edits(driver), len(driver.telegram.sent("answerCallbackQuery"))
    await driver.press(USER, label)
    assert edits(driver) == before, f"{label!r} edited a screen it did not change"
    assert len(driver.telegram.sent("answerCallbackQuery")) == answers + 1


def screen(driver: Driver) -> str:
    return driver.telegram.last_with_buttons(USER).visible


def energy_of(driver: Driver) -> int:
    return int(screen(driver).split("/10")[0].split()[-1])


async def test_the_reading_screen_walks_every_focus_mood_and_both_energy_bounds(driver: Driver):
    await set_tier(driver, "cosmic")
    await driver.send(USER, "/daily")
    await driver.press(USER, "Aries")
    for focus in Focus:
        await driver.press(USER, focus.value)
        assert f"Focus: {focus.value}" in screen(driver)
        await press_unchanged(driver, focus.value)  # the focus already chosen
    seen = []
    for _ in Mood:
        await driver.press(USER, "Mood")
        seen.append(screen(driver).split("Mood: ")[1].split(" ·")[0])
    assert sorted(seen) == sorted(Mood)  # the mood button cycles through all eight
    while energy_of(driver) > 1:
        await driver.press(USER, "➖ Energy")
    await press_unchanged(driver, "➖ Energy")
    for expected in range(2, 11):
        await driver.press(USER, "➕ Energy")
        assert energy_of(driver) == expected
    await press_unchanged(driver, "➕ Energy")
    await driver.press(USER, "Create my image")
    assert photos(driver) == 1


async def test_the_moon_phase_already_chosen_changes_nothing(driver: Driver):
    await set_tier(driver, "cosmic")
    await driver.send(USER, "/moon")
    moon = driver.telegram.last_with_buttons(USER)
    chosen = next(b["text"] for b in moon.buttons if "✓" in b["text"])
    await press_unchanged(driver, chosen)
    other = "Full moon" if "Full moon" not in chosen else "New moon"
    await driver.press(USER, other)
    assert edits(driver) == 1
    assert other in next(b["text"] for b in moon.buttons if "✓" in b["text"])
    await press_unchanged(driver, other)


async def test_a_fourth_avatar_trait_is_refused_without_touching_the_screen(driver: Driver):
    await set_tier(driver, "universe")
    await driver.send(USER, "/avatar")
    for label in ("Scorpio", "I don't know", "Leo", "brave", "creative", "loyal"):
        await driver.press(USER, label)
    before = edits(driver)
    await driver.press(USER, "kind")
    assert edits(driver) == before and "Up to 3 traits" in driver.alerts()[-1]


async def make_moon_ritual(driver: Driver, phase: str) -> None:
    await driver.send(USER, "/moon")
    await driver.press(USER, phase)
    await driver.press(USER, "Create the ritual")


async def use_the_week(driver: Driver) -> None:
    for phase in ("New moon", "First quarter", "Full moon"):
        await make_moon_ritual(driver, phase)
    assert photos(driver) == 3


def zoned(settings: Settings, zone: str) -> Settings:
    return settings.model_copy(update={"bot_timezone": zone})


@pytest.fixture
async def tokyo_driver(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Driver]:
    made = await make_driver(zoned(settings, "Asia/Tokyo"), telegram)
    yield made
    await made.app.close()
    assert telegram.errors == []


WEEK_EDGES = [
    # The last seconds of a week, in the bot's time zone, and the Monday after.
    pytest.param(datetime(2026, 12, 27, 23, 59, 30, tzinfo=UTC), "2026-12-28", id="new-year"),
    pytest.param(datetime(2028, 2, 27, 23, 59, 30, tzinfo=UTC), "2028-02-28", id="leap-week"),
]


@pytest.mark.parametrize(("moment", "monday"), WEEK_EDGES)
async def test_the_weekly_limit_resets_on_monday_at_midnight(
    driver: Driver, clock: time_machine.Coordinates, moment: datetime, monday: str
):
    clock.move_to(moment)
    await set_tier(driver, "cosmic")
    await use_the_week(driver)
    await make_moon_ritual(driver, "Last quarter")
    assert f"The week resets {monday} 00:00" in driver.texts(USER)[-1]
    assert photos(driver) == 3
    clock.move_to(datetime.fromisoformat(monday).replace(tzinfo=UTC) + timedelta(seconds=5))
    await driver.send(USER, "/usage")
    assert "This week: 0 / 3" in driver.texts(USER)[-1]
    await make_moon_ritual(driver, "Last quarter")
    assert photos(driver) == 4


async def test_the_week_follows_midnight_in_the_bot_time_zone(
    tokyo_driver: Driver, clock: time_machine.Coordinates
):
    driver = tokyo_driver
    # Sunday 14:59 UTC is Sunday 23:59 in Tokyo; at 15:00 UTC Tokyo's Monday begins.
    clock.move_to(datetime(2026, 11, 29, 14, 59, 30, tzinfo=UTC))
    await set_tier(driver, "cosmic")
    await use_the_week(driver)
    await make_moon_ritual(driver, "Last quarter")
    assert "The week resets 2026-11-30 00:00" in driver.texts(USER)[-1]
    clock.move_to(datetime(2026, 11, 29, 15, 0, 5, tzinfo=UTC))
    await make_moon_ritual(driver, "Last quarter")
    assert photos(driver) == 4


async def test_todays_shared_image_changes_at_midnight_in_the_bot_time_zone(
    tokyo_driver: Driver, clock: time_machine.Coordinates
):
    driver = tokyo_driver
    clock.move_to(datetime(2027, 12, 31, 14, 59, tzinfo=UTC))  # New Year's Eve, 23:59 in Tokyo
    for _ in range(2):
        await driver.send(USER, "/daily")
        if photos(driver) == 0:
            await driver.press(USER, "Leo")
    clock.move_to(datetime(2027, 12, 31, 15, 0, 30, tzinfo=UTC))  # 2028-01-01 in Tokyo
    await driver.send(USER, "/daily")
    assert photos(driver) == 3
    generations = await driver.app.services.db.fetch_all("SELECT id FROM generations")
    assert len(generations) == 2  # painted once on the 31st, once on New Year's Day


@pytest.mark.parametrize(
    ("paid_on", "until"),
    [
        pytest.param(datetime(2028, 1, 31, 12, tzinfo=UTC), "2028-03-01", id="leap-february"),
        pytest.param(datetime(2026, 12, 15, 12, tzinfo=UTC), "2027-01-14", id="new-year"),
    ],
)
async def test_a_paid_plan_lasts_thirty_days_to_the_second(
    driver: Driver, clock: time_machine.Coordinates, paid_on: datetime, until: str
):
    clock.move_to(paid_on)
    await driver.send(USER, "/plan")
    await driver.press(USER, "Cosmic plan")
    pre_checkout = driver.telegram.pay(USER, driver.telegram.chat_messages(USER)[-1])
    await driver.feed(pre_checkout)
    await driver.feed(driver.telegram.payment_done(USER, pre_checkout))
    await driver.send(USER, "/usage")
    assert f"Paid until {until}" in driver.texts(USER)[-1]
    clock.move_to(paid_on + timedelta(days=30, seconds=-60))
    await make_moon_ritual(driver, "Full moon")
    assert photos(driver) == 1
    clock.move_to(paid_on + timedelta(days=30, seconds=60))
    await make_moon_ritual(driver, "New moon")
    assert photos(driver) == 1 and "Cosmic and Universe plans" in driver.texts(USER)[-1]


@pytest.mark.parametrize(
    "month_start",
    [
        pytest.param(datetime(2027, 1, 1, 0, 5, tzinfo=UTC), id="new-year"),
        pytest.param(datetime(2028, 3, 1, 0, 5, tzinfo=UTC), id="after-leap-day"),
    ],
)
async def test_the_monthly_reset_refills_partners_once_per_month(
    driver: Driver, clock: time_machine.Coordinates, month_start: datetime
):
    clock.move_to(month_start - timedelta(days=1))
    await driver.make_pro()
    await driver.send(ADMIN_ID, f"/grant {USER} 10")
    reservation = await driver.app.services.ledger.reserve(USER, 100, "spent", "test")
    assert reservation.reservation is not None
    await driver.app.services.ledger.commit(reservation.reservation)
    assert await driver.balance() == 410
    clock.move_to(month_start)
    scheduler = driver.app.scheduler
    assert await scheduler.fire("monthly_reset", month_start) is not None
    assert await driver.balance() == 510  # the allowance set to 500, the grant kept
    assert await scheduler.fire("monthly_reset", month_start + timedelta(hours=1)) is None
    assert await driver.balance() == 510


@pytest.mark.clock(datetime(2025, 3, 13, 15, 30, tzinfo=UTC))  # 2025-03-14 00:30 in Tokyo
async def test_the_moon_screen_shows_the_phase_of_the_bot_time_zones_date(tokyo_driver: Driver):
    await tokyo_driver.send(USER, "/moon")
    moon = tokyo_driver.telegram.last_with_buttons(USER)
    assert "Full moon" in moon.visible and "100% lit" in moon.visible
    now = next(b["text"] for b in moon.buttons if "(now)" in b["text"])
    assert "Full moon" in now and "✓" in now
