"""Subscribers' time zones. A zone is stored by name: an IANA name (`Europe/Madrid`, which
follows summer time) or a fixed offset from the "what time is it for you now?" buttons
(`UTC+05:30`, which does not)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

logger = logging.getLogger(__name__)

EARLIEST, LATEST = -12 * 60, 14 * 60
"""The offsets in use on Earth, in minutes: UTC−12 is the last to finish a date, UTC+14
(Pacific/Kiritimati) the first to reach one."""
HALF_HOURS = (-570, -210, 210, 270, 330, 390, 570, 630)
"""Half-hour offsets in use (Marquesas, Newfoundland, Iran, Afghanistan, India, Myanmar,
central Australia, Lord Howe)."""
PICKER_OFFSETS: tuple[int, ...] = tuple(sorted({*range(EARLIEST, LATEST + 1, 60), *HALF_HOURS}))
"""The offsets the "what time is it for you now?" screen offers, in minutes."""

_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+\-−])\s*(\d{1,2})(?:[:.h]?(\d{2}))?", re.IGNORECASE)
_NOT_ZONES = {"Factory", "localtime", "posixrules"}


def offset_name(minutes: int) -> str:
    """`UTC+05:30` for 330, `UTC-10:00` for -600, `UTC` for 0."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zone_of(name: str) -> tzinfo | None:
    """The tzinfo of a stored zone name; None for a name this machine does not know."""
    fixed = _fixed_offset(name)
    if fixed is not None:
        return timezone(timedelta(minutes=fixed), offset_name(fixed)) if fixed else UTC
    return _iana(name)


def zone_or(name: str | None, default: tzinfo) -> tzinfo:
    """A subscriber's zone, or `default` (the bot's) when none is set or it is unknown."""
    if not name:
        return default
    found = zone_of(name)
    if found is None:
        logger.warning("unknown time zone %r: using the bot's", name)
        return default
    return found


def is_fixed(name: str) -> bool:
    return _fixed_offset(name) is not None


def parse_zone(text: str) -> str | None:
    """The zone name to store for what a person typed: an IANA name in any letter case
    (spaces for underscores), a city alone when only one zone has it (`madrid`), or an
    offset (`UTC+3`, `GMT-05:30`, `+5:30`). None when it is none of these."""
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > 64:
        return None
    if cleaned.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    offset = _typed_offset(cleaned)
    if offset is not None:
        return offset_name(offset) if EARLIEST <= offset <= LATEST and offset % 15 == 0 else None
    key = cleaned.replace(" ", "_").casefold()
    names, cities = _catalogue()
    return names.get(key) or cities.get(key)


def _typed_offset(text: str) -> int | None:
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    value = int(hours) * 60 + int(minutes or 0)
    if int(minutes or 0) >= 60:
        return None
    return -value if sign in "-−" else value


def _fixed_offset(name: str) -> int | None:
    """The offset of a stored `UTC±HH:MM` name (0 for `UTC` itself is not fixed here)."""
    if not name.startswith("UTC") or name == "UTC":
        return None
    offset = _typed_offset(name)
    return offset if offset is not None and offset_name(offset) == name else None


@cache
def _iana(name: str) -> ZoneInfo | None:
    names, _cities = _catalogue()
    if names.get(name.casefold()) != name:
        return None
    return ZoneInfo(name)


@cache
def _catalogue() -> tuple[dict[str, str], dict[str, str]]:
    """IANA names by their case-folded form, and by their last part (the city)."""
    names = {name.casefold(): name for name in available_timezones() - _NOT_ZONES}
    cities: dict[str, str] = {}
    # Several names for one city are links to one zone (Asia/Istanbul, Europe/Istanbul):
    # the longest (America/Argentina/Buenos_Aires) is the canonical one.
    for name in sorted(names.values(), key=lambda name: (len(name), name)):
        if "/" in name and not name.startswith("Etc/"):
            cities[name.rsplit("/", 1)[1].casefold()] = name
    return names, cities


def local_now(zone: tzinfo, at: datetime | None = None) -> datetime:
    return (at or datetime.now(UTC)).astimezone(zone)
