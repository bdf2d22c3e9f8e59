"""Cosmic Coach tiers: what each one may make, how often and at which quality (the week they
count in is the bot's clock, services/infra/clock.py)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.categories import Category
from services.core.plans import Tier
from services.cosmic.kinds import COSMIC_CATEGORIES
from services.generation.base import Quality


@dataclass(frozen=True, slots=True)
class TierPolicy:
    weekly_limit: int | None
    """Personal generations a week; None is unlimited."""
    quality: Quality
    categories: frozenset[Category]


POLICIES: dict[Tier, TierPolicy] = {
    Tier.FREE: TierPolicy(0, Quality.STANDARD, frozenset()),
    Tier.COSMIC: TierPolicy(
        3, Quality.STANDARD, frozenset({Category.DAILY, Category.MATCH, Category.MOON})
    ),
    Tier.UNIVERSE: TierPolicy(None, Quality.HD, COSMIC_CATEGORIES),
}
