"""/subscribe asks the time zone once, through the real dispatcher on a fixed clock: "what
time is it for you now?" buttons (the offset follows), or a zone typed and checked (asked
again when unknown); buttons that change nothing only answer; changing the hour or the
zone after today's push never brings a second one for that date; /usage shows the zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import Driver
from tests.fakes.telegram import FakeTelegram
from tests.handlers.cosmic.test_push_zones import arrivals, utc
from ui.cosmic.callbacks import ZoneAction, ZoneCallback

USER = 7201


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2026, 6, 10, 14, 7, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    telegram.add_user(USER, "Zoe", "en")
    return telegram


def labels(driver: Driver) -> list[str]:
    return [button["text"] for button in driver.telegram.last_with_buttons(USER).buttons]


def edits(driver: Driver) -> int:
    return len(driver.telegram.sent("editMessageText"))


async def test_the_time_zone_is_asked_once_by_the_time_it_is_now(driver: Driver):
    subscriptions = driver.app.services.subscriptions
    await driver.send(USER, "/subscribe")
    await driver.press(USER, "Leo")
    assert "What time is it for you now?" in driver.texts(USER)[-1]
    shown = labels(driver)
    assert "04:07 · Jun 10" in shown and "04:07 · Jun 11" in shown  # UTC−10 and UTC+14
    assert "17:07" in shown and "19:37" in shown  # UTC+3 (Moscow), UTC+05:30 (India)
    await driver.press(USER, "17:07")
    hours = driver.texts(USER)[-1]
    assert "Your time zone: UTC+03:00 (it is 17:07 there now)" in hours
    assert "does not follow summer time" in hours
    await driver.press(USER, "09:00")
    assert "every day at 09:00, your time (UTC+03:00)" in driver.texts(USER)[-1]
    subscription = await subscriptions.subscription(USER)
    assert subscription is not None
    assert (subscription.sign, subscription.hour, subscription.zone) == ("leo", 9, "UTC+03:00")

    await driver.send(USER, "/subscribe")  # asked once: straight to the hours
    assert "Your time zone: UTC+03:00" in driver.texts(USER)[-1]
    assert "09:00 ✓" in labels(driver)
    before = edits(driver)
    await driver.press(USER, "09:00 ✓")  # the hour already chosen: only an answer
    assert edits(driver) == before
    assert "Already set:" in driver.alerts()[-1] and "09:00 (UTC+03:00)" in driver.alerts()[-1]

    await driver.press(USER, "Change time zone")
    assert "17:07 ✓" in labels(driver)
    picker = driver.telegram.last_with_buttons(USER)
    before, answers = edits(driver), len(driver.alerts())
    again = ZoneCallback(sign="leo", action=ZoneAction.ASK).pack()
    await driver.feed(driver.telegram.callback_update(USER, picker, again))  # pressed again
    assert edits(driver) == before and len(driver.alerts()) == answers + 1
    await driver.press(USER, "Keep UTC+03:00")
    assert "Your time zone: UTC+03:00" in driver.texts(USER)[-1]
    assert await subscriptions.zone(USER) == "UTC+03:00"


async def test_a_typed_zone_is_checked_and_asked_again(driver: Driver):
    await driver.send(USER, "/subscribe")
    await driver.press(USER, "Leo")
    await driver.press(USER, "Type my time zone")
    assert "Type your time zone" in driver.texts(USER)[-1]
    await driver.send(USER, "Mars/Olympus_Mons")
    assert "I don't know the time zone “Mars/Olympus_Mons”" in driver.texts(USER)[-1]
    await driver.send(USER, "<b>Europe</b> & co")  # repeated back escaped
    assert "“<b>Europe</b> & co”" in driver.texts(USER)[-1]
    await driver.send(USER, "UTC+15")
    assert "I don't know the time zone" in driver.texts(USER)[-1]
    await driver.send(USER, "europe/madrid")
    hours = driver.texts(USER)[-1]
    assert "Your time zone: Europe/Madrid (it is 16:07 there now)" in hours
    assert "summer time" not in hours  # a named zone follows it
    await driver.press(USER, "08:00")
    assert "every day at 08:00, your time (Europe/Madrid)" in driver.texts(USER)[-1]
    await driver.send(USER, "Asia/Tokyo")  # no longer asked: nothing changes
    assert await driver.app.services.subscriptions.zone(USER) == "Europe/Madrid"

    # The time shown for the zone's own offset keeps the named zone (it knows summer time).
    await driver.send(USER, "/subscribe")
    await driver.press(USER, "Change time zone")
    await driver.press(USER, "16:07 ✓")
    assert "Your time zone: Europe/Madrid" in driver.texts(USER)[-1]
    assert await driver.app.services.subscriptions.zone(USER) == "Europe/Madrid"

    await driver.send(USER, "/usage")
    usage = driver.texts(USER)[-1]
    assert "Daily image: ♌ Leo at 08:00 (Europe/Madrid)" in usage
    assert "Weekly limits count in bot time (UTC)." in usage


async def test_a_new_hour_or_zone_never_brings_a_second_push_for_the_date(
    driver: Driver, clock: time_machine.Traveller
):
    scheduler = driver.app.scheduler

    async def at(moment: datetime) -> None:
        clock.move_to(moment)
        await scheduler.fire("daily_push", moment)

    async def type_zone(zone: str) -> None:
        await driver.send(USER, "/subscribe")
        await driver.press(USER, "Change time zone")
        await driver.press(USER, "Type my time zone")
        await driver.send(USER, zone)
        assert f"Your time zone: {zone}" in driver.texts(USER)[-1]

    for day in (9, 10):  # the batches for June 10 and 11, at 09:00 UTC the day before
        clock.move_to(utc(6, day, 9))
        await scheduler.fire("nightly_batch", utc(6, day, 9))
    clock.move_to(utc(6, 10, 5))
    await driver.send(USER, "/subscribe")
    await driver.press(USER, "Leo")
    await driver.press(USER, "Type my time zone")
    await driver.send(USER, "Europe/Madrid")
    await driver.press(USER, "08:00")
    await at(utc(6, 10, 6))  # 08:00 in Madrid
    assert await arrivals(driver, USER) == [(utc(6, 10, 6), "2026-06-10")]

    await driver.send(USER, "/subscribe")
    await driver.press(USER, "10:00")
    assert "Today's image has already come" in driver.texts(USER)[-1]
    await at(utc(6, 10, 8))  # 10:00 in Madrid
    await type_zone("America/Mexico_City")  # 02:00 on June 10 there
    await at(utc(6, 10, 16))  # 10:00 in Mexico City: June 10 was served
    assert len(await arrivals(driver, USER)) == 1

    await type_zone("Pacific/Kiritimati")  # 06:00 on June 11 there
    await at(utc(6, 10, 20))  # 10:00 on June 11 in Kiritimati: a new date, a new push
    await type_zone("Pacific/Honolulu")  # back to 10:00 on June 10: served already
    await at(utc(6, 10, 20, 15))
    await at(utc(6, 10, 21))
    assert await arrivals(driver, USER) == [
        (utc(6, 10, 6), "2026-06-10"),
        (utc(6, 10, 20), "2026-06-11"),
    ]


async def test_moving_west_after_a_push_brings_no_earlier_date(
    driver: Driver, clock: time_machine.Traveller
):
    subscriptions, scheduler = driver.app.services.subscriptions, driver.app.scheduler
    clock.move_to(utc(6, 10, 9))
    await scheduler.fire("nightly_batch", utc(6, 10, 9))  # June 11, before Kiritimati has it
    await driver.app.services.accounts.get_or_create(USER, "en")
    await driver.app.services.accounts.set_sign(USER, "leo")
    await subscriptions.subscribe(USER, "leo", 10)
    await subscriptions.set_zone(USER, "Pacific/Kiritimati")
    clock.move_to(utc(6, 10, 20))  # 10:00 on June 11 there
    await scheduler.fire("daily_push", utc(6, 10, 20))
    await driver.send(USER, "/subscribe")
    await driver.press(USER, "Change time zone")
    await driver.press(USER, "10:00 · Jun 10")  # UTC−10: 10:00 on June 10, never pushed
    assert "Your time zone: UTC-10:00" in driver.texts(USER)[-1]
    clock.move_to(utc(6, 10, 20, 15))
    await scheduler.fire("daily_push", utc(6, 10, 20, 15))
    assert await arrivals(driver, USER) == [(utc(6, 10, 20), "2026-06-11")]
