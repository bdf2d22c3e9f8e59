"""Astrology data: the twelve signs, the sun sign of a birth date, sign compatibility and
the daily reading (the moon phase is in moon.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
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
