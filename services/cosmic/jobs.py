"""Cosmic Coach's jobs on the queue: an image whose weekly use is held (bot/jobs/cosmic_image.py
runs it), and an edit of one, likewise held (bot/jobs/cosmic_edit.py)."""

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


@dataclass(frozen=True, slots=True)
class ArtEditJob(ReportedJob):
    """An edit of the person's image `image_id` in their words (already cleaned and
    capped), whose weekly use is held (use `use_id` of `week`, at `held_at`); `where` is
    the "editing…" message, `caption` the image's caption (HTML) as its photo showed it."""

    kind: ClassVar[str] = "art_edit"
    use_id: int
    week: str
    tier: str
    held_at: float
    image_id: int
    words: str
    caption: str

    def hold(self) -> Hold:
        return Hold(WorkKind.USE, self.use_id, self.held_at)
