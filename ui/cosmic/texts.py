"""Cosmic Coach wording: sign, mood, focus and phase names, ritual guides, captions and
tier messages (all through gettext, user text escaped)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from services.core.categories import Category, Params
from services.core.payments import PaymentService, Product
from services.core.plans import Tier
from services.cosmic.astro import Focus, Mood, sign
from services.cosmic.kinds import AvatarParams, DailyParams, MatchParams, MoonParams
from services.cosmic.moon import MoonPhase
from services.cosmic.service import UsageStatus
from services.generation.base import FailureKind
from services.studio.models import StudioParams


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


def ritual_guide(phase: MoonPhase) -> str:
    return {
        MoonPhase.NEW: _(
            "1. Sit somewhere dark and quiet; light one candle.\n"
            "2. Breathe slowly for nine breaths and let the old month go.\n"
            "3. Write three intentions in the present tense.\n"
            "4. Fold the paper and keep it until the full moon."
        ),
        MoonPhase.WAXING_CRESCENT: _(
            "1. Reread your new-moon intentions.\n"
            "2. Choose the smallest first step for each one.\n"
            "3. Take one of those steps before you sleep."
        ),
        MoonPhase.FIRST_QUARTER: _(
            "1. Name the obstacle that showed up this week.\n"
            "2. Stand up, shoulders back, and say out loud what you will do about it.\n"
            "3. Do the hardest task of your list first tomorrow."
        ),
        MoonPhase.WAXING_GIBBOUS: _(
            "1. Look at what is growing and what is stuck.\n"
            "2. Adjust one plan instead of starting a new one.\n"
            "3. Thank someone who helped you this cycle.\n"
            "4. Drink a glass of water under the night sky."
        ),
        MoonPhase.FULL: _(
            "1. Step outside or open a window to the moonlight.\n"
            "2. Read your intentions and celebrate what came true.\n"
            "3. Write down one thing you are ready to release.\n"
            "4. Tear that note up and let it go.\n"
            "5. Leave a glass of water in the moonlight for tomorrow morning."
        ),
        MoonPhase.WANING_GIBBOUS: _(
            "1. Share something you learned this month with a friend.\n"
            "2. Give away or tidy one thing you no longer need.\n"
            "3. Journal three things you are grateful for."
        ),
        MoonPhase.LAST_QUARTER: _(
            "1. List the habits that drained you this cycle.\n"
            "2. Pick one to stop and write how you will replace it.\n"
            "3. Close the day with a warm bath or a slow walk."
        ),
        MoonPhase.WANING_CRESCENT: _(
            "1. Rest: cancel one thing that is not essential.\n"
            "2. Meditate for ten minutes in the dark.\n"
            "3. Listen to what you want from the next cycle, without planning yet."
        ),
    }[phase]


def tier_name(tier: Tier) -> str:
    return {Tier.FREE: _("Free"), Tier.COSMIC: _("Cosmic"), Tier.UNIVERSE: _("Universe")}[tier]


def reading_text(sign_key: str, energy: int, mood: str, focus: str) -> str:
    bar = "●" * energy + "○" * (10 - energy)
    return _(
        "<b>{sign}</b> today\nEnergy: {bar} {energy}/10\nMood: {mood} · Focus: {focus}"
    ).format(
        sign=sign_label(sign_key),
        bar=bar,
        energy=energy,
        mood=mood_name(mood),
        focus=focus_name(focus),
    )


def _daily_caption(params: DailyParams) -> str:
    return reading_text(params.sign, params.energy, params.mood, params.focus)


def _match_caption(params: MatchParams) -> str:
    return _("<b>{first} + {second}</b>: {score}% compatible").format(
        first=sign_label(params.first), second=sign_label(params.second), score=params.score
    )


def _moon_caption(params: MoonParams) -> str:
    return f"<b>{phase_name(params.phase)}</b>"


def _avatar_caption(params: AvatarParams) -> str:
    traits = ", ".join(escape(t) for t in params.traits)
    text = _("<b>Your zodiac avatar</b>\n☉ {sun} · ☽ {moon} · ↑ {rising}").format(
        sun=sign_label(params.sun), moon=sign_label(params.moon), rising=sign_label(params.rising)
    )
    return f"{text}\n{traits}" if traits else text


def _studio_caption(params: StudioParams) -> str:
    return f"<b>{escape(params.title)}</b>"


CAPTIONS: dict[Category, Callable[[Any], str]] = {
    Category.DAILY: _daily_caption,
    Category.MATCH: _match_caption,
    Category.MOON: _moon_caption,
    Category.AVATAR: _avatar_caption,
    Category.STUDIO: _studio_caption,
}
"""The caption under an image of each category, from its parameters (gallery too)."""


def caption(params: Params) -> str:
    """The caption under an image, rebuilt from its stored parameters."""
    return CAPTIONS[params.category](params)


def match_caption(score: int) -> str:
    if score >= 80:
        return _("A natural match: your energies feed each other.")
    if score >= 55:
        return _("A good match: different gifts, one rhythm.")
    return _("A match that asks for patience, and teaches a lot.")


def usage_text(usage: UsageStatus, tokens: int | None) -> str:
    limit = _("unlimited") if usage.limit is None else str(usage.limit)
    remaining = _("unlimited") if usage.remaining is None else str(usage.remaining)
    lines = [
        _("<b>Your plan</b>: {tier}").format(tier=tier_name(usage.tier)),
        _("This week: {used} / {limit} images · remaining: {remaining}").format(
            used=usage.used, limit=limit, remaining=remaining
        ),
        _("Quality: {quality} · the week resets {resets}").format(
            quality=_("HD") if usage.quality == "hd" else _("standard"),
            resets=usage.resets_at.strftime("%Y-%m-%d %H:%M"),
        ),
    ]
    if usage.expires_at is not None:
        expiry = datetime.fromtimestamp(usage.expires_at, usage.resets_at.tzinfo)
        lines.append(_("Paid until {date}").format(date=expiry.strftime("%Y-%m-%d")))
    if tokens:
        lines.append(_("PRO tokens: {tokens}").format(tokens=tokens))
    return "\n".join(lines)


def upgrade_text(request_category: Category) -> str:
    if request_category is Category.AVATAR:
        return _("Zodiac avatars come with the Universe plan. See /plan.")
    return _("Personal cosmic art comes with the Cosmic and Universe plans. See /plan.")


def limit_text(resets_at: datetime) -> str:
    return _(
        "You have used this week's images. The week resets {date}; or upgrade with /plan."
    ).format(date=resets_at.strftime("%Y-%m-%d %H:%M"))


def cosmic_failure_text(failure: FailureKind | None) -> str:
    if failure is FailureKind.SAFETY:
        reason = _("The image was blocked by the provider's safety rules.")
    elif failure is FailureKind.TIMEOUT:
        reason = _("The painters took too long to answer.")
    else:
        reason = _("The painters are unavailable right now.")
    return _(
        "❌ Sorry, the image could not be made. {reason} Your weekly use was given back."
    ).format(reason=reason)


def referral_text(invited: int) -> str:
    return _("Friends who joined through your shares: {count}").format(count=invited)


def product_title(product: Product, service: PaymentService) -> str:
    return {
        Product.COSMIC: _("Cosmic plan, 30 days"),
        Product.UNIVERSE: _("Universe plan, 30 days"),
        Product.TOKENS: _("{count} PRO tokens").format(count=service.prices.token_pack_size),
    }[product]


def product_description(product: Product) -> str:
    return {
        Product.COSMIC: _("3 personal images a week: daily energy, compatibility, moon rituals."),
        Product.UNIVERSE: _("Unlimited personal images in HD, zodiac avatars included."),
        Product.TOKENS: _("Tokens for the Viral Studio; they never expire."),
    }[product]
