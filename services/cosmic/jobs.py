"""Cosmic Coach's job on the queue (bot/jobs/cosmic_image.py runs it): an image whose
weekly use is held."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from services.core.jobs import Hold, ReportedJob
from services.core.work_repo import WorkKind


@dataclass(frozen=True, slots=True)
class ArtJob(ReportedJob):
    """A Cosmic Coach image whose weekly use is held (use `use_id` of `week`)."""

    kind: ClassVar[str] = "art"
    use_id: int
    week: str
    tier: str
    held_at: float
    request: dict[str, Any]
    caption: str

    def hold(self) -> Hold:
        return Hold(WorkKind.USE, self.use_id, self.held_at)
