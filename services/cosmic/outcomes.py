"""What Cosmic Coach answers: the outcome of a request for personal art, and the state of
a person's weekly uses (services/cosmic/service.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.core.image_repo import StoredImage
from services.core.plans import Tier
from services.core.usage_repo import UseReservation
from services.generation.base import FailureKind, Quality


class CosmicStatus(StrEnum):
    DONE = "done"
    UPGRADE = "upgrade"
    """The tier does not include this kind of art."""
    LIMIT = "limit"
    """This week's uses are spent."""
    BUSY = "busy"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    QUEUED = "queued"
    """One weekly use is held and the image is to be painted (CosmicService.begin)."""
    STOPPED = "stopped"
    """The person pressed Stop before the picture was shown: the use is back."""


@dataclass(frozen=True, slots=True)
class CosmicOutcome:
    status: CosmicStatus
    tier: Tier
    image: StoredImage | None = None
    resets_at: datetime | None = None
    failure: FailureKind | None = None
    use: UseReservation | None = None
    """The weekly use held (QUEUED)."""
    cached: bool = False
    """The image was painted before (the day's shared one, or the same request today)."""


@dataclass(frozen=True, slots=True)
class UsageStatus:
    tier: Tier
    used: int
    limit: int | None
    quality: Quality
    expires_at: float | None
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)
