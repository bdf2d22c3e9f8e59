"""Pushes in the subscriber's own time, on a clock the test moves: the scheduler's jobs fire
at every quarter of an hour as their cron says, for three days, while subscribers in
UTC+14, UTC−10, UTC−12, UTC+05:30, BOT_TIMEZONE and Europe/Madrid (across both changes of
summer time) wait for their photo. Each gets it at their local hour, once per local date,
with the image and reading of that date; each date costs twelve paintings, made by the
batch before UTC+14 reaches it, and every push is served from the cache."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from PIL import Image

from bot.config import Settings
from services.cosmic.astro import daily_reading
from services.generation.base import ImageRequest, ImageResult, Usage
from tests.conftest import Driver, make_driver
from tests.fakes.telegram import FakeTelegram
from ui.cosmic.kinds.daily import reading_text

QUARTER = timedelta(minutes=15)


class CountingPainter:
    """Paints a small PNG of its own per request and counts the paintings."""

    provider, model = "counting", "painter"

    def __init__(self) -> None:
        self.paintings = 0

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.paintings += 1
        colour = (request.seed % 256, request.seed // 256 % 256, request.seed // 65536 % 256)
        buffer = io.BytesIO()
        Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
        return ImageResult(buffer.getvalue(), 32, 32, Usage(self.provider, self.model))


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2026, 5, 1, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def painter() -> CountingPainter:
    return CountingPainter()


@pytest.fixture
async def zoned(
    clock: time_machine.Traveller,
    settings: Settings,
    telegram: FakeTelegram,
    painter: CountingPainter,
) -> AsyncIterator[Driver]:
    driver = await make_driver(settings, telegram, image_generator=painter)
    yield driver
    await driver.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def subscribe(driver: Driver, user_id: int, sign: str, hour: int, zone: str | None) -> None:
    driver.telegram.add_user(user_id, f"User{user_id}", "en")
    await driver.app.services.accounts.get_or_create(user_id, "en")
    await driver.app.services.subscriptions.subscribe(user_id, sign, hour)
    if zone is not None:
        await driver.app.services.subscriptions.set_zone(user_id, zone)


async def walk(
    driver: Driver, clock: time_machine.Traveller, start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    """Moves the clock a quarter of an hour at a time and fires every job whose cron says
    so at that moment, as the running scheduler would. Returns (when, summary) of the
    batches that ran."""
    scheduler, batches = driver.app.scheduler, []
    moment = start
    while moment <= end:
        clock.move_to(moment)
        for name, job in scheduler.jobs.items():
            trigger = scheduler.trigger(job)
            if trigger.get_next_fire_time(None, moment - timedelta(seconds=1)) == moment:
                summary = await scheduler.fire(name, moment)
                if name == "nightly_batch" and summary is not None:
                    batches.append((moment, summary))
        moment += QUARTER
    return batches


async def arrivals(driver: Driver, user_id: int) -> list[tuple[datetime, str]]:
    """(when, the date of the image) of each push a user received, from their gallery."""
    rows = await driver.app.services.db.fetch_all(
        "SELECT created_at, path FROM images WHERE user_id = ? ORDER BY id", (user_id,)
    )
    found = []
    for created_at, path in rows:
        day = re.search(r"daily-[a-z]+-(\d{4}-\d{2}-\d{2})-", Path(path).name)
        assert day is not None, path
        found.append((datetime.fromtimestamp(created_at, UTC), day.group(1)))
    return found


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def uploads(driver: Driver) -> int:
    return sum(
        1 for c in driver.telegram.sent("sendPhoto") if not isinstance(c.params["photo"], str)
    )


async def test_every_zone_gets_its_local_date_at_its_local_hour(
    zoned: Driver, clock: time_machine.Traveller, painter: CountingPainter
):
    kiritimati, honolulu, last, kolkata, bot_time = 7001, 7002, 7003, 7004, 7005
    await subscribe(zoned, kiritimati, "leo", 8, "Pacific/Kiritimati")  # UTC+14
    await subscribe(zoned, honolulu, "leo", 8, "Pacific/Honolulu")  # UTC−10
    await subscribe(zoned, last, "leo", 21, "UTC-12:00")  # the last zone to finish a date
    await subscribe(zoned, kolkata, "virgo", 8, "Asia/Kolkata")  # UTC+05:30
    await subscribe(zoned, bot_time, "aries", 12, None)  # no zone chosen: BOT_TIMEZONE (UTC)
    # The two batches before the walk (for June 1 and 2), as the job made them.
    for day in (5, 31), (6, 1):
        clock.move_to(utc(*day, 9))
        assert await zoned.app.scheduler.fire("nightly_batch", utc(*day, 9)) is not None
    batches = await walk(zoned, clock, utc(6, 1, 12), utc(6, 4, 12))

    assert await arrivals(zoned, kiritimati) == [
        (utc(6, 1, 18), "2026-06-02"),  # 08:00 on June 2 in Kiritimati: June 1 in UTC
        (utc(6, 2, 18), "2026-06-03"),
        (utc(6, 3, 18), "2026-06-04"),
    ]
    assert await arrivals(zoned, honolulu) == [
        (utc(6, 1, 18), "2026-06-01"),  # the same moment, a day earlier on the calendar
        (utc(6, 2, 18), "2026-06-02"),
        (utc(6, 3, 18), "2026-06-03"),
    ]
    assert await arrivals(zoned, last) == [
        (utc(6, 2, 9), "2026-06-01"),  # 21:00 on June 1 in UTC−12: June 1's image still kept
        (utc(6, 3, 9), "2026-06-02"),
        (utc(6, 4, 9), "2026-06-03"),
    ]
    assert await arrivals(zoned, kolkata) == [
        (utc(6, 2, 2, 30), "2026-06-02"),  # a half-hour zone, on time
        (utc(6, 3, 2, 30), "2026-06-03"),
        (utc(6, 4, 2, 30), "2026-06-04"),
    ]
    assert await arrivals(zoned, bot_time) == [
        (utc(6, d, 12), f"2026-06-0{d}") for d in (1, 2, 3, 4)
    ]
    # Sydney's date, Sydney's reading: the caption is the reading of the image's date.
    caption = [m for m in zoned.telegram.chat_messages(kiritimati) if m.photo][0].caption or ""
    reading = daily_reading("leo", date(2026, 6, 2))
    with zoned.app.i18n.context(), zoned.app.i18n.use_locale("en"):
        assert caption.startswith(reading_text("leo", reading.energy, reading.mood, reading.focus))
    # Each date's batch ran at 09:00 UTC the day before, an hour before UTC+14 reached it.
    assert [(moment, summary.split(":")[0]) for moment, summary in batches] == [
        (utc(6, 2, 9), "2026-06-03"),
        (utc(6, 3, 9), "2026-06-04"),
        (utc(6, 4, 9), "2026-06-05"),
    ]
    assert all("12 painted" in summary for _, summary in batches)
    # Twelve paintings per date (June 1 to 5), none by the pushes: all came from the cache.
    assert painter.paintings == 12 * 5
    pushed = {
        (sign, day)
        for user, sign in (
            (kiritimati, "leo"),
            (honolulu, "leo"),
            (last, "leo"),
            (kolkata, "virgo"),
            (bot_time, "aries"),
        )
        for _, day in await arrivals(zoned, user)
    }
    assert uploads(zoned) == len(pushed)  # each sign's image of a date uploaded once


@pytest.mark.parametrize(
    ("start", "eight", "two"),
    [
        pytest.param(  # the last Sunday of March: 02:00 → 03:00 on the 29th
            utc(3, 27, 12),
            [
                (utc(3, 28, 7), "2026-03-28"),
                (utc(3, 29, 6), "2026-03-29"),
                (utc(3, 30, 6), "2026-03-30"),
            ],
            # 02:00 does not exist on the 29th: it comes at 03:00, once
            [
                (utc(3, 28, 1), "2026-03-28"),
                (utc(3, 29, 1), "2026-03-29"),
                (utc(3, 30, 0), "2026-03-30"),
            ],
            id="march",
        ),
        pytest.param(  # the last Sunday of October: 03:00 → 02:00 on the 25th
            utc(10, 23, 12),
            [
                (utc(10, 24, 6), "2026-10-24"),
                (utc(10, 25, 7), "2026-10-25"),
                (utc(10, 26, 7), "2026-10-26"),
            ],
            # 02:00 comes twice on the 25th: one push, at the first
            [
                (utc(10, 24, 0), "2026-10-24"),
                (utc(10, 25, 0), "2026-10-25"),
                (utc(10, 26, 1), "2026-10-26"),
            ],
            id="october",
        ),
    ],
)
async def test_madrid_across_a_change_of_summer_time(
    zoned: Driver,
    clock: time_machine.Traveller,
    painter: CountingPainter,
    start: datetime,
    eight: list[tuple[datetime, str]],
    two: list[tuple[datetime, str]],
):
    await subscribe(zoned, 7101, "aries", 8, "Europe/Madrid")
    await subscribe(zoned, 7102, "leo", 2, "Europe/Madrid")
    for back in (1, 0):  # the batches before the walk, as the job made them
        moment = (start - timedelta(days=back)).replace(hour=9)
        clock.move_to(moment)
        await zoned.app.scheduler.fire("nightly_batch", moment)
    await walk(zoned, clock, start, start + timedelta(days=3))
    assert await arrivals(zoned, 7101) == eight
    assert await arrivals(zoned, 7102) == two
    assert painter.paintings == 12 * 5  # the dates before, during and after: 12 each


async def test_a_late_push_missed_is_caught_up_after_midnight_with_the_date_it_belonged_to(
    zoned: Driver, clock: time_machine.Traveller
):
    """The bot was down from 22:00 to 00:30 in Honolulu (UTC−10): the subscriber of 23:00
    gets that evening's push (the image of that date) once, after midnight; the one of
    20:00, more than three hours back, is skipped for that date."""
    await subscribe(zoned, 501, "leo", 23, "Pacific/Honolulu")
    await subscribe(zoned, 502, "virgo", 20, "Pacific/Honolulu")
    back = utc(5, 2, 10, 30)  # 00:30 on 2 May in Honolulu
    for moment in (back, back + QUARTER):
        clock.move_to(moment)
        await zoned.app.push.run(moment)
    assert [day for _, day in await arrivals(zoned, 501)] == ["2026-05-01"]
    assert await arrivals(zoned, 502) == []
