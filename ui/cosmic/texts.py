"""Cosmic Coach wording: tier names, captions (CAPTIONS: each kind's from its wording in
ui/cosmic/kinds/), usage, upgrade, limit and failure messages, products (all through
gettext, user text escaped). The names of signs, moods and phases are in ui/cosmic/words.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from services.core.categories import Category, Params
from services.core.payments import PaymentService, Product
from services.core.plans import Tier
from services.cosmic.service import UsageStatus
from services.generation.base import FailureKind
from services.studio.models import StudioParams
from ui.cosmic.kinds import WORDING, WORDINGS, plans_upgrade


def tier_name(tier: Tier) -> str:
    return {Tier.FREE: _("Free"), Tier.COSMIC: _("Cosmic"), Tier.UNIVERSE: _("Universe")}[tier]


def _studio_caption(params: StudioParams) -> str:
    return f"<b>{escape(params.title)}</b>"


CAPTIONS: dict[Category, Callable[[Any], str]] = {
    **{wording.category: wording.caption for wording in WORDINGS},
    Category.STUDIO: _studio_caption,
}
"""The caption under an image of each category, from its parameters (gallery too)."""


def caption(params: Params) -> str:
    """The caption under an image, rebuilt from its stored parameters."""
    return CAPTIONS[params.category](params)


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
    """What a person hears of a kind their plan does not include (its wording says)."""
    wording = WORDING.get(request_category)
    return wording.upgrade() if wording is not None else plans_upgrade()


def limit_text(resets_at: datetime) -> str:
    return _(
        "You have used this week's images. The week resets {date}; or upgrade with /plan."
    ).format(date=resets_at.strftime("%Y-%m-%d %H:%M"))


def cosmic_failure_text(failure: FailureKind | None) -> str:
    return _(
        "❌ Sorry, the image could not be made. {reason} Your weekly use was given back."
    ).format(reason=failure_reason(failure))


def failure_reason(failure: FailureKind | None) -> str:
    """Why no picture came, in one sentence."""
    if failure is FailureKind.SAFETY:
        return _("The image was blocked by the provider's safety rules.")
    if failure is FailureKind.TIMEOUT:
        return _("The painters took too long to answer.")
    return _("The painters are unavailable right now.")


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
