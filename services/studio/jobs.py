"""The studio's jobs on the queue (bot/jobs/studio_post.py, bot/jobs/app_post.py and
bot/jobs/four_k.py run them): a post from the chat and a post from the Mini App, each for a
token hold, and a post's picture at 4K (held tokens when it costs any)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

from services.core.jobs import Hold, ReportedJob
from services.core.work_repo import WorkKind
from services.studio.drafts import Action


@dataclass(frozen=True, slots=True)
class PostJob(ReportedJob):
    """A studio post whose tokens are held (reservation `reservation_id`, at `held_at`)."""

    kind: ClassVar[str] = "post"
    reservation_id: int
    held_at: float
    draft: dict[str, str | None]
    wizard: bool
    """Made from the wizard's confirm screen: the draft is closed, or offered again."""
    picture_of: int | None = None
    """A new text for this delivered post's picture ("rewrite the text"); None: a post."""

    def hold(self) -> Hold:
        return Hold(WorkKind.TOKENS, self.reservation_id, self.held_at)


@dataclass(frozen=True, slots=True)
class VariantsJob(ReportedJob):
    """More pictures for a delivered post (`post_id`), their tokens held."""

    kind: ClassVar[str] = "variants"
    reservation_id: int
    held_at: float
    post_id: int

    def hold(self) -> Hold:
        return Hold(WorkKind.TOKENS, self.reservation_id, self.held_at)


@dataclass(frozen=True, slots=True)
class EditJob(ReportedJob):
    """An edit of a post's picture in the person's words (already cleaned and capped),
    whose tokens are held (reservation `reservation_id`, at `held_at`); `where` is the
    "editing…" message, `caption` the post's caption (HTML) as its photo showed it."""

    kind: ClassVar[str] = "picture_edit"
    reservation_id: int
    held_at: float
    post_id: int
    words: str
    caption: str

    def hold(self) -> Hold:
        return Hold(WorkKind.TOKENS, self.reservation_id, self.held_at)


@dataclass(frozen=True, slots=True)
class AppPostJob:
    """A post from the Mini App: the job board's job, its hold, the choices."""

    kind: ClassVar[str] = "app_post"
    job_id: str
    user_id: int
    locale: str
    reservation_id: int
    held_at: float
    draft: dict[str, str | None]
    picture_of: int | None = None
    """A new text for this delivered post's picture ("📝 New text"); None: a post."""

    def hold(self) -> Hold:
        return Hold(WorkKind.TOKENS, self.reservation_id, self.held_at)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(**data)


APP_ACTIONS = frozenset({Action.VARIANTS.value, Action.EDIT.value, Action.FOUR_K.value})
"""The actions on a delivered post an `AppActionJob` makes (a new text is an `AppPostJob`)."""


@dataclass(frozen=True, slots=True)
class AppActionJob:
    """An action on a delivered post (`post_id`) from the Mini App, told on the job board
    as job `job_id`: more pictures, an edit of its picture (in `words`, cleaned) or its
    picture at 4K (`lock`: the post's 4K lock). `reservation_id` is the tokens held (None:
    a free 4K picture)."""

    kind: ClassVar[str] = "app_action"
    action: str
    job_id: str
    user_id: int
    locale: str
    post_id: int
    reservation_id: int | None
    held_at: float
    words: str = ""
    lock: str = ""

    @property
    def queued_at(self) -> float:
        return self.held_at

    def hold(self) -> Hold | None:
        if self.reservation_id is None:
            return None
        return Hold(WorkKind.TOKENS, self.reservation_id, self.held_at)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        if data.get("action") not in APP_ACTIONS:
            msg = f"not an action on a post: {data.get('action')!r}"
            raise ValueError(msg)
        return cls(**data)


@dataclass(frozen=True, slots=True)
class FourKJob(ReportedJob):
    """Post `post_id`'s picture at 4K, sent as a document to `where` (the message pressed).
    `lock` is the token of the post's 4K lock, let go when the job ends; `reservation_id`
    the tokens held for it (None: it is free)."""

    kind: ClassVar[str] = "four_k"
    post_id: int
    queued_at: float
    """Unix seconds; the picture must be out by this + GENERATION_TIMEOUT."""
    lock: str
    reservation_id: int | None = None

    def hold(self) -> Hold | None:
        if self.reservation_id is None:
            return None
        return Hold(WorkKind.TOKENS, self.reservation_id, self.queued_at)
