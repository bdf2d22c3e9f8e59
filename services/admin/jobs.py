"""The admins' long operations as jobs of the queue (bot/jobs/broadcast.py and
bot/jobs/batch.py run them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from services.core.jobs import ReportedJob, Where


@dataclass(frozen=True, slots=True)
class BroadcastJob(ReportedJob):
    """An admin's confirmed /broadcast: `where` is the message that shows its progress.
    Run again (a worker died), it goes on where it stopped: each recipient is claimed once
    per campaign (services/core/broadcast.py)."""

    kind: ClassVar[str] = "broadcast"
    campaign: str
    segment: str
    text: str
    copy: tuple[int, int] | None
    """The replied-to message to copy (chat id, message id), instead of `text`."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        copy = data.get("copy")
        fields = {**data, "where": Where(**data["where"]), "copy": tuple(copy) if copy else None}
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class BatchJob(ReportedJob):
    """An admin's /batch: today's images and horoscopes (what is made already is reused,
    so a run again does not paint twice); the report goes to `where`'s chat."""

    kind: ClassVar[str] = "batch"
    actor_id: int
