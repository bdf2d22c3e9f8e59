"""Cosmic Coach tiers: what each one may make, how often and at which quality (the week they
count in is the bot's clock, services/infra/clock.py). Which kinds a tier may make follows
from each kind's lowest tier (services/cosmic/kinds/)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.categories import Category
from services.core.plans import Tier
from services.cosmic.kinds import KINDS
from services.generation.base import Quality


@dataclass(frozen=True, slots=True)
class TierPolicy:
    weekly_limit: int | None
    """Personal generations a week; None is unlimited."""
    quality: Quality
    categories: frozenset[Category]


def allowed(tier: Tier) -> frozenset[Category]:
    """The kinds `tier` may make: those whose lowest tier is this one or one below it (the
    tiers rise in the order Tier lists them)."""
    rank = list(Tier).index
    return frozenset(kind.category for kind in KINDS if rank(kind.lowest_tier) <= rank(tier))


POLICIES: dict[Tier, TierPolicy] = {
    Tier.FREE: TierPolicy(0, Quality.STANDARD, allowed(Tier.FREE)),
    Tier.COSMIC: TierPolicy(3, Quality.STANDARD, allowed(Tier.COSMIC)),
    Tier.UNIVERSE: TierPolicy(None, Quality.HD, allowed(Tier.UNIVERSE)),
}
