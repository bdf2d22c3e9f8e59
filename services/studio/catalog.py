"""What a partner can choose in the Viral Studio. Values are short and stable: they travel
inside callback data and are stored with each post."""

from __future__ import annotations

from enum import StrEnum


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

# Three colours per post type for the studio poster: gas, accent, highlight.
POST_PALETTES: dict[PostType, tuple[str, str, str]] = {
    PostType.LIFESTYLE: ("#FF8C42", "#FFD166", "#EF476F"),
    PostType.FOMO: ("#7B2FF7", "#F107A3", "#00D4FF"),
    PostType.SUCCESS: ("#F5B700", "#FFE29A", "#00A6A6"),
    PostType.TIP: ("#118AB2", "#73E2FF", "#06D6A0"),
    PostType.TESTIMONIAL: ("#E76F51", "#F4A261", "#2A9D8F"),
    PostType.GIVEAWAY: ("#FF006E", "#FFBE0B", "#8338EC"),
}
