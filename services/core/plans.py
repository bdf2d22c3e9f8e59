"""The plan a person pays for (free, cosmic, universe) and when a paid one lapses. What each
plan may make is Cosmic Coach's rule (services/cosmic/tiers.py)."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    FREE = "free"
    COSMIC = "cosmic"
    UNIVERSE = "universe"


def effective_tier(tier: str, expires_at: float | None, now: float) -> Tier:
    """The tier in force: a paid tier past its expiry is free again."""
    if tier != Tier.FREE and expires_at is not None and expires_at <= now:
        return Tier.FREE
    return Tier(tier)
