"""Generation jobs as the handlers hand them to the queue (bot/jobs/broker.py runs them, in this
process or in a `python -m bot worker`): plain JSON-ready data naming the hold that was
made and the message that reports on it. A job is only ever enqueued once its hold
exists; the hold's state, not the job, says whether work is left (bot/jobs/runner.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, Self

from aiogram import Bot
from aiogram.types import Chat, Message


@dataclass(frozen=True, slots=True)
class Where:
    """The person and the message the job reports on (the one they pressed)."""

    user_id: int
    chat_id: int
    chat_type: str
    message_id: int
    locale: str

    @classmethod
    def of(cls, message: Message, user_id: int, locale: str) -> Self:
        return cls(user_id, message.chat.id, message.chat.type, message.message_id, locale)

    def message(self, bot: Bot) -> Message:
        """That message, as the handlers' code edits and answers it."""
        chat = Chat(id=self.chat_id, type=self.chat_type)
        made = Message(message_id=self.message_id, date=datetime.now(UTC), chat=chat)
        return made.as_(bot)


@dataclass(frozen=True, slots=True)
class ReportedJob:
    """A job that reports on a message (`where`), to and from the JSON the queue carries."""

    where: Where

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(**{**data, "where": Where(**data["where"])})


@dataclass(frozen=True, slots=True)
class PostJob(ReportedJob):
    """A studio post whose tokens are held (reservation `reservation_id`, at `held_at`)."""

    reservation_id: int
    held_at: float
    draft: dict[str, str | None]
    wizard: bool
    """Made from the wizard's confirm screen: the draft is closed, or offered again."""


@dataclass(frozen=True, slots=True)
class ArtJob(ReportedJob):
    """A Cosmic Coach image whose weekly use is held (use `use_id` of `week`)."""

    use_id: int
    week: str
    tier: str
    held_at: float
    request: dict[str, Any]
    caption: str


@dataclass(frozen=True, slots=True)
class BroadcastJob(ReportedJob):
    """An admin's confirmed /broadcast: `where` is the message that shows its progress.
    Run again (a worker died), it goes on where it stopped: each recipient is claimed once
    per campaign (services/core/broadcast.py)."""

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

    actor_id: int


class Jobs(Protocol):
    """The queue, as handlers get it (workflow data `jobs`)."""

    async def post(self, job: PostJob) -> None: ...

    async def art(self, job: ArtJob) -> None: ...

    async def broadcast(self, job: BroadcastJob) -> None: ...

    async def batch(self, job: BatchJob) -> None: ...
