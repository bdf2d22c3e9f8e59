"""Work handed to the job queue, as the services see it: plain JSON-ready payloads that name
the hold made for them and the message that reports on them, and the queue itself as a
port (`JobQueue`) that the wiring provides (bot/jobs/broker.py, in this process or on a
Redis stream). A job is only ever queued once its hold exists, and the hold's state, not
the job, says whether work is left (bot/jobs/). Each product declares its payloads next to
its service (services/<product>/jobs.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Protocol, Self, TypeVar, runtime_checkable

from services.core.work_repo import WorkKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Where:
    """The person and the chat message a job reports on (the one they pressed)."""

    user_id: int
    chat_id: int
    chat_type: str
    message_id: int
    locale: str


class QueuedJob(Protocol):
    """What the queue carries: a payload of one kind (the kind picks the job that runs it)."""

    kind: ClassVar[str]

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Hold:
    """What a job finishes: a token hold or a weekly use (`ref`), made at `held_at`; the
    work must be done by `held_at` + GENERATION_TIMEOUT."""

    kind: WorkKind
    ref: int
    held_at: float


@runtime_checkable
class HeldJob(Protocol):
    """A job that finishes a hold (a studio post, a Cosmic Coach image; None: this one
    holds nothing, as a free 4K picture)."""

    def hold(self) -> Hold | None: ...


def hold_of(job: QueuedJob) -> Hold | None:
    """The hold `job` finishes, if it finishes one."""
    return job.hold() if isinstance(job, HeldJob) else None


@dataclass(frozen=True, slots=True)
class ReportedJob:
    """A job that reports on a message (`where`), to and from the JSON the queue carries."""

    where: Where

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(**{**data, "where": Where(**data["where"])})


class JobQueue(Protocol):
    """The queue, as the services and the front ends get it."""

    async def enqueue(self, job: QueuedJob) -> None: ...


T = TypeVar("T")


async def queue_or_release(
    queue: JobQueue, job: QueuedJob, release: Callable[[], Awaitable[T]]
) -> T | None:
    """Hands `job` to the queue; when the queue cannot take it, the job's hold is released
    at once (nothing stays held for work nobody will do) and what `release` says is
    returned. None when the job was queued."""
    try:
        await queue.enqueue(job)
    except Exception:
        logger.exception("could not queue a %s job: its hold is released", job.kind)
        return await release()
    return None
