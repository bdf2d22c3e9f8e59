"""Which of our UI languages to speak to a person, from what Telegram says they use: the
chat's middlewares and the Mini App's API pick it alike."""

from __future__ import annotations

from services.studio.catalog import UI_LANGUAGES


def pick_language(language_code: str | None, default: str = "en") -> str:
    """Telegram's `language_code` ('es', 'pt-br', None) to one of our UI languages."""
    if not language_code:
        return default
    base = language_code.split("-")[0].lower()
    return base if base in UI_LANGUAGES else default
