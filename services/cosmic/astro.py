"""Astrology data and the little astronomy it needs: the twelve signs, the sun sign of a
birth date, the moon phase of any moment, sign compatibility and the daily reading.

The moon phase comes from the Moon's elongation from the Sun, computed with the main
periodic terms of Meeus, *Astronomical Algorithms* (ch. 47-48): accurate to well under a
degree, i.e. new and full moons within an hour or so of the published times.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum


class Element(StrEnum):
    FIRE = "fire"
    EARTH = "earth"
    AIR = "air"
    WATER = "water"


class Modality(StrEnum):
    CARDINAL = "cardinal"
    FIXED = "fixed"
    MUTABLE = "mutable"


@dataclass(frozen=True, slots=True)
class Sign:
    key: str
    name: str
    glyph: str
    starts: tuple[int, int]
    """(month, day) the sun enters the sign (tropical zodiac)."""
    element: Element
    modality: Modality
    ruler: str
    palette: tuple[str, str, str]


SIGNS: tuple[Sign, ...] = (
    Sign(
        "aries",
        "Aries",
        "♈",
        (3, 21),
        Element.FIRE,
        Modality.CARDINAL,
        "Mars",
        ("#FF6B6B", "#FFA07A", "#FF4500"),
    ),
    Sign(
        "taurus",
        "Taurus",
        "♉",
        (4, 20),
        Element.EARTH,
        Modality.FIXED,
        "Venus",
        ("#3CB371", "#A8D5BA", "#F4A7B9"),
    ),
    Sign(
        "gemini",
        "Gemini",
        "♊",
        (5, 21),
        Element.AIR,
        Modality.MUTABLE,
        "Mercury",
        ("#FFD93D", "#87CEEB", "#FFF3B0"),
    ),
    Sign(
        "cancer",
        "Cancer",
        "♋",
        (6, 21),
        Element.WATER,
        Modality.CARDINAL,
        "Moon",
        ("#6CA6CD", "#C9D6FF", "#E8E8F8"),
    ),
    Sign(
        "leo",
        "Leo",
        "♌",
        (7, 23),
        Element.FIRE,
        Modality.FIXED,
        "Sun",
        ("#FFB300", "#FF8C00", "#FFE066"),
    ),
    Sign(
        "virgo",
        "Virgo",
        "♍",
        (8, 23),
        Element.EARTH,
        Modality.MUTABLE,
        "Mercury",
        ("#8FBC8F", "#D2B48C", "#6B8E23"),
    ),
    Sign(
        "libra",
        "Libra",
        "♎",
        (9, 23),
        Element.AIR,
        Modality.CARDINAL,
        "Venus",
        ("#F7CAC9", "#92A8D1", "#E6E6FA"),
    ),
    Sign(
        "scorpio",
        "Scorpio",
        "♏",
        (10, 23),
        Element.WATER,
        Modality.FIXED,
        "Pluto",
        ("#B0003A", "#6A0DAD", "#FF4D6D"),
    ),
    Sign(
        "sagittarius",
        "Sagittarius",
        "♐",
        (11, 22),
        Element.FIRE,
        Modality.MUTABLE,
        "Jupiter",
        ("#9B59B6", "#E67E22", "#5DADE2"),
    ),
    Sign(
        "capricorn",
        "Capricorn",
        "♑",
        (12, 22),
        Element.EARTH,
        Modality.CARDINAL,
        "Saturn",
        ("#4F6D9A", "#B08968", "#9FB8D0"),
    ),
    Sign(
        "aquarius",
        "Aquarius",
        "♒",
        (1, 20),
        Element.AIR,
        Modality.FIXED,
        "Uranus",
        ("#00CED1", "#7FFFD4", "#4169E1"),
    ),
    Sign(
        "pisces",
        "Pisces",
        "♓",
        (2, 19),
        Element.WATER,
        Modality.MUTABLE,
        "Neptune",
        ("#9370DB", "#48D1CC", "#E0B0FF"),
    ),
)
SIGNS_BY_KEY: dict[str, Sign] = {sign.key: sign for sign in SIGNS}


def sign(key: str) -> Sign:
    return SIGNS_BY_KEY[key]


def sun_sign(birthday: date) -> Sign:
    """The sign the sun was in on `birthday` (boundaries as in most newspapers)."""
    day = (birthday.month, birthday.day)
    for current, following in zip(SIGNS, (*SIGNS[1:], SIGNS[0]), strict=True):
        start, end = current.starts, following.starts
        if start <= end:
            if start <= day < end:
                return current
        elif day >= start or day < end:  # Capricorn spans the new year
            return current
    raise AssertionError("unreachable")  # pragma: no cover


# --- the moon -----------------------------------------------------------------------


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


# --- compatibility ----------------------------------------------------------------

ELEMENT_SCORES: dict[frozenset[Element], int] = {
    frozenset({Element.FIRE}): 85,
    frozenset({Element.EARTH}): 85,
    frozenset({Element.AIR}): 85,
    frozenset({Element.WATER}): 85,
    frozenset({Element.FIRE, Element.AIR}): 90,
    frozenset({Element.EARTH, Element.WATER}): 90,
    frozenset({Element.FIRE, Element.EARTH}): 50,
    frozenset({Element.AIR, Element.WATER}): 55,
    frozenset({Element.FIRE, Element.WATER}): 40,
    frozenset({Element.AIR, Element.EARTH}): 45,
}
"""Same element: easy understanding; fire+air and earth+water feed each other; the rest
need work."""
SAME_MODALITY = -10
"""Two cardinal (or fixed, or mutable) signs compete for the same role."""
OPPOSITES = 5
"""Signs six apart attract: a small bonus."""


def compatibility_of(first: str, second: str) -> int:
    """compatibility() of two signs given by key."""
    return compatibility(SIGNS_BY_KEY[first], SIGNS_BY_KEY[second])


def compatibility(first: Sign, second: Sign) -> int:
    """0-100 from the elements table, modalities and polarity (see the constants above)."""
    score = ELEMENT_SCORES[frozenset({first.element, second.element})]
    if first.modality is second.modality and first is not second:
        score += SAME_MODALITY
    if abs(SIGNS.index(first) - SIGNS.index(second)) == 6:
        score += OPPOSITES
    return max(0, min(100, score))


# --- the daily reading --------------------------------------------------------------


class Mood(StrEnum):
    RADIANT = "radiant"
    CALM = "calm"
    BOLD = "bold"
    DREAMY = "dreamy"
    FOCUSED = "focused"
    PLAYFUL = "playful"
    REFLECTIVE = "reflective"
    PASSIONATE = "passionate"


class Focus(StrEnum):
    CAREER = "career"
    LOVE = "love"
    HEALTH = "health"
    GROWTH = "growth"


@dataclass(frozen=True, slots=True)
class Reading:
    sign: str
    day: date
    energy: int
    """1-10"""
    mood: Mood
    focus: Focus


def daily_reading(sign_key: str, day: date) -> Reading:
    """The same for everyone on that day: derived from a hash of the sign and the date."""
    digest = hashlib.sha256(f"{sign_key}:{day.isoformat()}".encode()).digest()
    moods, focuses = tuple(Mood), tuple(Focus)
    return Reading(
        sign=sign_key,
        day=day,
        energy=digest[0] % 10 + 1,
        mood=moods[digest[1] % len(moods)],
        focus=focuses[digest[2] % len(focuses)],
    )
