"""Wording for sharing: the text under a shared image and the overlays of its cards."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from handlers.cosmic.texts import focus_name, match_caption, mood_name, phase_name, sign_name
from services.core.images import StoredImage
from services.cosmic.astro import MoonPhase, compatibility_of, sign
from services.sharing.cards import CardText

LOCAL_PROVIDER = "local"


def _signs(image: StoredImage) -> list[str]:
    return [str(key) for key in image.params.get("signs", ())]  # type: ignore[union-attr]


def _score(image: StoredImage) -> int:
    first, second = _signs(image)
    return compatibility_of(first, second)


def share_text(image: StoredImage, studio_caption: str | None = None) -> str:
    """What goes with a shared image (HTML). Studio posts share their own caption."""
    if image.category == "studio":
        return studio_caption or f"<b>{escape(str(image.params.get('title', '')))}</b>"
    if image.category == "daily":
        return _("My cosmic energy today! ✨ #CosmicCoach")
    if image.category == "avatar":
        return _("Meet my zodiac avatar ✨ #CosmicCoach")
    if image.category == "match":
        return _("Our cosmic compatibility: {score}% 💫 #CosmicCoach").format(score=_score(image))
    return _("My moon ritual tonight 🌙 #CosmicCoach")


def card_text(image: StoredImage, bot_username: str, sharer_id: int, day: date) -> CardText:
    headline, line, energy = _card_lines(image)
    poster = image.category == "studio" and image.provider == LOCAL_PROVIDER
    return CardText(
        headline=headline,
        line=line,
        date=day.isoformat(),
        watermark=_("Created with @{bot}").format(bot=bot_username),
        link=f"https://t.me/{bot_username}?start=ref_{sharer_id}",
        energy=energy,
        keep_clear=poster,
    )


def _card_lines(image: StoredImage) -> tuple[str, str, int | None]:
    params = image.params
    signs = _signs(image) if image.category != "studio" else []
    if image.category == "daily":
        energy = int(params.get("energy", 5))  # type: ignore[arg-type]
        line = _("Energy {energy}/10 · {mood} · {focus}").format(
            energy=energy,
            mood=mood_name(str(params.get("mood", "calm"))),
            focus=focus_name(str(params.get("focus", "growth"))),
        )
        return f"{sign(signs[0]).glyph} {sign_name(signs[0])}", line, energy
    if image.category == "match":
        score = _score(image)
        headline = (
            f"{sign(signs[0]).glyph} {sign_name(signs[0])} + "
            f"{sign(signs[1]).glyph} {sign_name(signs[1])}"
        )
        return headline, f"{score}% · {match_caption(score)}", None
    if image.category == "moon":
        phase = MoonPhase(str(params.get("phase", "full")))
        return phase_name(phase), _("Moon ritual"), None
    if image.category == "avatar":
        marks = zip("☉☽↑", signs, strict=False)
        glyphs = " · ".join(f"{mark} {sign(key).glyph}" for mark, key in marks)
        traits = ", ".join(str(t) for t in params.get("traits", ()))  # type: ignore[union-attr]
        return glyphs, traits or _("My zodiac avatar"), None
    # A locally painted poster already carries its hook: the card does not repeat it.
    title = "" if image.provider == LOCAL_PROVIDER else str(params.get("title", ""))
    return title, _("Viral Studio"), None
