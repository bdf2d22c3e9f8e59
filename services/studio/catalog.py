"""What a partner can choose in the Viral Studio. Values are short and stable: they travel
inside callback data and are stored with each post. Outside the chat (the web API) a choice
may also be written as the chat shows it in English ("Lifestyle Flex", "Digital Nomads",
"Spanish"): `parse_post_type`, `parse_audience` and `parse_language` read either."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from services.generation.structured import LANGUAGES_IN_ENGLISH


class PostType(StrEnum):
    LIFESTYLE = "lifestyle"
    FOMO = "fomo"
    SUCCESS = "success"
    TIP = "tip"
    TESTIMONIAL = "testimonial"
    GIVEAWAY = "giveaway"


class Audience(StrEnum):
    NOMADS = "nomads"
    CRYPTO = "crypto"
    STUDENTS = "students"
    SMALL_BUSINESS = "smb"
    FREELANCERS = "freelancers"
    INVESTORS = "investors"


POST_TYPE_NAMES: dict[PostType, str] = {
    PostType.LIFESTYLE: "Lifestyle Flex",
    PostType.FOMO: "FOMO Builder",
    PostType.SUCCESS: "Success Story",
    PostType.TIP: "Educational Tip",
    PostType.TESTIMONIAL: "Testimonial",
    PostType.GIVEAWAY: "Giveaway",
}
"""Each post type as the chat labels it in English (ui/common/texts.py's msgids)."""

AUDIENCE_NAMES: dict[Audience, str] = {
    Audience.NOMADS: "Digital Nomads",
    Audience.CRYPTO: "Crypto Traders",
    Audience.STUDENTS: "Students",
    Audience.SMALL_BUSINESS: "Small Business Owners",
    Audience.FREELANCERS: "Freelancers",
    Audience.INVESTORS: "Investors",
}
"""Each audience as the chat labels it in English (ui/common/texts.py's msgids)."""

UI_LANGUAGES: tuple[str, ...] = ("en", "es", "ru")

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "ru": "Русский",
    "pt": "Português",
    "de": "Deutsch",
    "fr": "Français",
    "it": "Italiano",
    "tr": "Türkçe",
    "uk": "Українська",
    "ar": "العربية",
}
"""Each post language in itself, as the chat's buttons show it."""


# Three colours per post type for the studio poster: gas, accent, highlight.
POST_PALETTES: dict[PostType, tuple[str, str, str]] = {
    PostType.LIFESTYLE: ("#FF8C42", "#FFD166", "#EF476F"),
    PostType.FOMO: ("#7B2FF7", "#F107A3", "#00D4FF"),
    PostType.SUCCESS: ("#F5B700", "#FFE29A", "#00A6A6"),
    PostType.TIP: ("#118AB2", "#73E2FF", "#06D6A0"),
    PostType.TESTIMONIAL: ("#E76F51", "#F4A261", "#2A9D8F"),
    PostType.GIVEAWAY: ("#FF006E", "#FFBE0B", "#8338EC"),
}


class UnknownChoice(ValueError):
    """A choice written in none of the accepted ways; `accepted` lists them for a reader."""

    def __init__(self, value: str, accepted: tuple[str, ...]) -> None:
        super().__init__(f"{value!r} is not one of: {', '.join(accepted)}")
        self.value = value
        self.accepted = accepted


def folded(text: str) -> str:
    """`text` compared loosely: any case, `_` and `-` as spaces, runs of spaces as one and
    none around ("  lifestyle_FLEX " and "Lifestyle Flex" fold alike)."""
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


Choice = TypeVar("Choice", bound=StrEnum)


def _spellings(names: Mapping[Choice, str]) -> dict[str, Choice]:
    """Every accepted way to write each choice, folded: its name, its key, its member name."""
    return {
        folded(spelling): choice
        for choice, name in names.items()
        for spelling in (name, choice.value, choice.name)
    }


_POST_TYPES = _spellings(POST_TYPE_NAMES)
_AUDIENCES = _spellings(AUDIENCE_NAMES)


def _accepted(names: Mapping[Choice, str]) -> tuple[str, ...]:
    return tuple(f"{name} ({choice.value})" for choice, name in names.items())


def parse_post_type(value: str) -> PostType:
    """A post type from its English name ("Lifestyle Flex") or key ("lifestyle"), written
    loosely (`folded`); UnknownChoice otherwise."""
    found = _POST_TYPES.get(folded(value))
    if found is None:
        raise UnknownChoice(value, _accepted(POST_TYPE_NAMES))
    return found


def parse_audience(value: str) -> Audience:
    """An audience from its English name ("Digital Nomads") or key ("nomads"), written
    loosely (`folded`); UnknownChoice otherwise."""
    found = _AUDIENCES.get(folded(value))
    if found is None:
        raise UnknownChoice(value, _accepted(AUDIENCE_NAMES))
    return found


def parse_language(value: str, supported: Iterable[str]) -> str:
    """The code of one of the `supported` post languages, from its code ("es"), its English
    name ("Spanish") or its own ("Español"), written loosely (`folded`); UnknownChoice
    (listing the supported ones) otherwise."""
    codes = tuple(supported)
    wanted = folded(value)
    for code in codes:
        spellings = (code, LANGUAGES_IN_ENGLISH.get(code, code), LANGUAGE_NAMES.get(code, code))
        if wanted in {folded(spelling) for spelling in spellings}:
            return code
    accepted = tuple(f"{LANGUAGES_IN_ENGLISH.get(code, code)} ({code})" for code in codes)
    raise UnknownChoice(value, accepted)
