"""Time zones as people type them, the date the batch prepares, and how long a date's
shared images are kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.cosmic.batch import upcoming_day
from services.cosmic.cache import date_expiry
from services.cosmic.zones import PICKER_OFFSETS, offset_name, parse_zone, zone_of


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Madrid", "Europe/Madrid"),
        ("  europe/MADRID ", "Europe/Madrid"),
        ("America/Mexico City", "America/Mexico_City"),
        ("moscow", "Europe/Moscow"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("utc", "UTC"),
        ("UTC+3", "UTC+03:00"),
        ("GMT-05:30", "UTC-05:30"),
        ("+5:45", "UTC+05:45"),
        ("UTC−10", "UTC-10:00"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12:00", "UTC-12:00"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
def test_typed_zones_are_recognised(typed: str, stored: str):
    assert parse_zone(typed) == stored
    assert zone_of(stored) is not None


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "Mars/Olympus_Mons",
        "UTC+15",
        "UTC-13",
        "+5:20",
        "+3:75",
        "localtime",
        "../../etc/passwd",
        "Europe/Madrid" * 10,
    ],
)
def test_anything_else_is_refused(typed: str):
    assert parse_zone(typed) is None


def test_fixed_offsets_and_named_zones():
    winter, summer = datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)
    madrid, fixed = zone_of("Europe/Madrid"), zone_of("UTC+05:30")
    assert madrid is not None and fixed is not None
    assert winter.astimezone(madrid).hour == 13 and summer.astimezone(madrid).hour == 14
    assert (
        winter.astimezone(fixed).strftime("%H:%M")
        == summer.astimezone(fixed).strftime("%H:%M")
        == "17:30"
    )
    assert zone_of("UTC+5:30") is None  # only the stored spelling is a stored zone
    assert [offset_name(m) for m in (PICKER_OFFSETS[0], 0, 330, PICKER_OFFSETS[-1])] == [
        "UTC-12:00",
        "UTC",
        "UTC+05:30",
        "UTC+14:00",
    ]


def test_the_batch_prepares_a_date_before_utc_plus_14_reaches_it():
    # UTC+14 reaches June 2 at 10:00 UTC on June 1; the batch for it runs from 09:00.
    assert upcoming_day(datetime(2026, 6, 1, 8, 59, tzinfo=UTC)) == date(2026, 6, 1)
    assert upcoming_day(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)) == date(2026, 6, 2)
    assert upcoming_day(datetime(2026, 12, 31, 9, 0, tzinfo=UTC)) == date(2027, 1, 1)
    assert upcoming_day(datetime(2028, 2, 28, 9, 0, tzinfo=UTC)) == date(2028, 2, 29)


def test_a_dates_images_are_kept_until_utc_minus_12_has_finished_it():
    # June 1 ends in UTC−12 at 12:00 UTC on June 2; an hour of grace for a run still sending.
    assert date_expiry(date(2026, 6, 1)) == datetime(2026, 6, 2, 13, tzinfo=UTC).timestamp()
    first_use = datetime(2026, 5, 31, 10, tzinfo=UTC)  # UTC+14 reaches June 1
    assert (
        date_expiry(date(2026, 6, 1)) - first_use.timestamp()
        == timedelta(hours=51).total_seconds()
    )
