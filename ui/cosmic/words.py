"""Cosmic Coach's vocabulary: the names of the signs, moods, focuses, moon phases and traits, as
every screen, caption and card says them (all through gettext)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from services.cosmic.astro import Focus, Mood, sign
from services.cosmic.moon import MoonPhase


def sign_name(key: str) -> str:
    return {
        "aries": _("Aries"),
        "taurus": _("Taurus"),
        "gemini": _("Gemini"),
        "cancer": _("Cancer"),
        "leo": _("Leo"),
        "virgo": _("Virgo"),
        "libra": _("Libra"),
        "scorpio": _("Scorpio"),
        "sagittarius": _("Sagittarius"),
        "capricorn": _("Capricorn"),
        "aquarius": _("Aquarius"),
        "pisces": _("Pisces"),
    }[key]


def sign_label(key: str) -> str:
    return f"{sign(key).glyph} {sign_name(key)}"


def mood_name(mood: str) -> str:
    return {
        Mood.RADIANT: _("radiant"),
        Mood.CALM: _("calm"),
        Mood.BOLD: _("bold"),
        Mood.DREAMY: _("dreamy"),
        Mood.FOCUSED: _("focused"),
        Mood.PLAYFUL: _("playful"),
        Mood.REFLECTIVE: _("reflective"),
        Mood.PASSIONATE: _("passionate"),
    }[Mood(mood)]


def focus_name(focus: str) -> str:
    return {
        Focus.CAREER: _("career"),
        Focus.LOVE: _("love"),
        Focus.HEALTH: _("health"),
        Focus.GROWTH: _("growth"),
    }[Focus(focus)]


def phase_name(phase: MoonPhase) -> str:
    return {
        MoonPhase.NEW: _("🌑 New moon"),
        MoonPhase.WAXING_CRESCENT: _("🌒 Waxing crescent"),
        MoonPhase.FIRST_QUARTER: _("🌓 First quarter"),
        MoonPhase.WAXING_GIBBOUS: _("🌔 Waxing gibbous"),
        MoonPhase.FULL: _("🌕 Full moon"),
        MoonPhase.WANING_GIBBOUS: _("🌖 Waning gibbous"),
        MoonPhase.LAST_QUARTER: _("🌗 Last quarter"),
        MoonPhase.WANING_CRESCENT: _("🌘 Waning crescent"),
    }[phase]


TRAITS = ("brave", "creative", "intuitive", "loyal", "ambitious", "calm", "curious", "kind")


def trait_label(trait: str) -> str:
    return {
        "brave": _("brave"),
        "creative": _("creative"),
        "intuitive": _("intuitive"),
        "loyal": _("loyal"),
        "ambitious": _("ambitious"),
        "calm": _("serene"),
        "curious": _("curious"),
        "kind": _("kind"),
    }.get(trait, trait)
