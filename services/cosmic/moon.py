"""The moon phase of any moment, from the Moon's elongation from the Sun, computed with the
main periodic terms of Meeus, *Astronomical Algorithms* (ch. 47-48): accurate to well
under a degree, i.e. new and full moons within an hour or so of the published times."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum


class MoonPhase(StrEnum):
    NEW = "new"
    WAXING_CRESCENT = "waxing_crescent"
    FIRST_QUARTER = "first_quarter"
    WAXING_GIBBOUS = "waxing_gibbous"
    FULL = "full"
    WANING_GIBBOUS = "waning_gibbous"
    LAST_QUARTER = "last_quarter"
    WANING_CRESCENT = "waning_crescent"


PHASES = tuple(MoonPhase)


def phase_named(name: str) -> MoonPhase | None:
    """A phase by its key (`full`) or its name (`Full Moon`, `waxing-crescent`, any case)."""
    key = "_".join(name.lower().replace("-", " ").replace("_", " ").split())
    key = key.removesuffix("_moon") if key in {"new_moon", "full_moon"} else key
    try:
        return MoonPhase(key)
    except ValueError:
        return None


PHASE_ELONGATION = {phase: index * 45.0 for index, phase in enumerate(PHASES)}
"""The elongation (degrees) at the middle of each phase: 0 new, 90 first quarter, …"""


@dataclass(frozen=True, slots=True)
class Moon:
    phase: MoonPhase
    illumination: float
    """Illuminated fraction of the disc, 0..1."""
    elongation: float
    """Degrees the Moon is east of the Sun, 0..360 (0 new, 180 full)."""

    @property
    def waxing(self) -> bool:
        return self.elongation < 180


def _julian_day(moment: datetime) -> float:
    moment = moment.astimezone(UTC)
    return moment.timestamp() / 86400.0 + 2440587.5


def moon_elongation(moment: datetime) -> float:
    """Degrees from the Sun to the Moon, eastward, at `moment` (an aware datetime)."""
    t = (_julian_day(moment) - 2451545.0) / 36525.0
    d = math.radians(297.8501921 + 445267.1114034 * t - 0.0018819 * t * t)
    m = math.radians(357.5291092 + 35999.0502909 * t - 0.0001536 * t * t)
    mp = math.radians(134.9633964 + 477198.8675055 * t + 0.0087414 * t * t)
    # Meeus (48.4): the phase angle i; the elongation is 180 - i.
    phase_angle = (
        180.0
        - math.degrees(d)
        - 6.289 * math.sin(mp)
        + 2.100 * math.sin(m)
        - 1.274 * math.sin(2 * d - mp)
        - 0.658 * math.sin(2 * d)
        - 0.214 * math.sin(2 * mp)
        - 0.110 * math.sin(d)
    )
    return (180.0 - phase_angle) % 360.0


def moon_at(moment: datetime) -> Moon:
    elongation = moon_elongation(moment)
    illumination = (1 - math.cos(math.radians(elongation))) / 2
    phase = PHASES[int(((elongation + 22.5) % 360) // 45)]
    return Moon(phase, illumination, elongation)


def moon_on(day: date) -> Moon:
    """The moon at noon UTC of `day`: the phase people would name for that date."""
    return moon_at(datetime.combine(day, time(12), tzinfo=UTC))
