"""A delivered post's actions, from the Mini App: a new text for its picture, more pictures,
an edit of its picture in words and its picture at 4K. The chat's own services do the work
at the chat's prices (this only starts them): the tokens held, the job put on the job
board (services/studio/board.py, which every web process reads) and queued; the job
(webapp/app_actions.py) tells the board how it went.

A request's idempotency key names its job: the same key again answers with the same job,
and the hold made under it is made once (the ledger's key), so a retried request never
charges twice."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from services.core.jobs import JobQueue, queue_or_release
from services.core.models import Account
from services.infra.media import MediaStore
from services.studio.board import BoardedQueue, Event, JobBoard
from services.studio.drafts import Action
from services.studio.editing import EditOutcome, EditStatus, PictureEditing
from services.studio.four_k import FourKService, FourKStatus
from services.studio.jobs import AppActionJob
from services.studio.models import StoredPost
from services.studio.run import PostStatus
from services.studio.service import Draft, StudioService
from services.studio.variants import Variants

STOPPABLE = frozenset({Action.REWRITE})
"""The actions whose job may be stopped (as the chat's new text is)."""


class Started(StrEnum):
    QUEUED = "queued"
    """The job is queued (the tokens held)."""
    AGAIN = "again"
    """The same idempotency key's job, started before: nothing new was held."""
    GONE = "gone"
    """Not a done post of the caller's (or it has no picture)."""
    NOT_PRO = "not_pro"
    INSUFFICIENT = "insufficient"
    BUSY = "busy"
    """Another job of theirs (or this post's 4K picture) is in flight."""
    UNAVAILABLE = "unavailable"
    """The queue could not take the job: nothing stays held."""


@dataclass(frozen=True, slots=True)
class ActionStarted:
    status: Started
    job_id: str
    cost: int
    balance: int


def action_job_id(user_id: int, action: Action, post_id: int, key: str | None) -> str:
    """The job's id: named by the idempotency key when there is one (the same request
    again finds its job), else new."""
    if key is None:
        return secrets.token_urlsafe(12)
    digest = hashlib.sha256(f"{user_id}:{action}:{post_id}:{key}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


class PostActions:
    def __init__(
        self,
        *,
        studio: StudioService,
        variants: Variants,
        editing: PictureEditing,
        four_k: FourKService,
        board: JobBoard,
        media: MediaStore,
    ) -> None:
        self._studio, self._variants = studio, variants
        self._editing, self._four_k = editing, four_k
        self._board = board
        self._media = media

    def price(self, action: Action) -> int:
        """Tokens the action costs, as its service says (the chat's price)."""
        prices = {
            Action.REWRITE: self._studio.rewrite_cost,
            Action.VARIANTS: self._variants.price,
            Action.EDIT: self._editing.cost,
            Action.FOUR_K: self._four_k.cost,
        }
        return prices[action]

    @property
    def picture_count(self) -> int:
        """How many pictures "more pictures" paints."""
        return self._variants.count

    async def start(
        self,
        account: Account,
        action: Action,
        post_id: int,
        locale: str,
        queue: JobQueue,
        *,
        key: str | None = None,
        words: str = "",
    ) -> ActionStarted:
        """Starts `action` on `account`'s done post `post_id` (`words`: an edit's request,
        cleaned already), or says why not (nothing is held then)."""
        job_id = action_job_id(account.user_id, action, post_id, key)
        cost = self.price(action)
        if await self._known(job_id, account.user_id):
            return ActionStarted(Started.AGAIN, job_id, cost, account.balance)
        post = await self._studio.own_post(account.user_id, post_id)
        if post is None:
            return ActionStarted(Started.GONE, job_id, cost, account.balance)
        if not account.is_pro:
            return ActionStarted(Started.NOT_PRO, job_id, cost, account.balance)
        # The job's id names the hold too: it is the caller's, the action's, the post's
        # and the key's (the same key on another post is another request).
        request = _Request(account, post, job_id, job_id, locale, words, cost)
        status = await self._queued(request, action, queue)
        if status in (Started.BUSY, Started.AGAIN) and await self._known(job_id, account.user_id):
            status = Started.AGAIN  # the same request, started a moment ago
        balance = await self._balance(account)
        return ActionStarted(status, job_id, cost, balance)

    async def pick(self, user_id: int, post_id: int, image_id: int) -> bool:
        """Makes `image_id` (one of their pictures) the picture of their post `post_id`."""
        return await self._variants.pick(user_id, post_id, image_id)

    async def keep_four_k(self, user_id: int, job_id: str, png: bytes) -> None:
        """Keeps a 4K picture made for the Mini App for its download link (the media
        cleanup removes it later: nothing in the gallery refers to it)."""
        await self._media.save(_four_k_path(user_id, job_id), png)

    async def four_k_png(self, user_id: int, job_id: str) -> bytes | None:
        """The 4K picture `keep_four_k` kept, while it is there."""
        try:
            path = self._media.path(_four_k_path(user_id, job_id))
            return await asyncio.to_thread(path.read_bytes)
        except (OSError, ValueError):
            return None

    async def _queued(self, request: _Request, action: Action, queue: JobQueue) -> Started:
        boarded = BoardedQueue(queue, self._board, request.queued(action))
        if action is Action.REWRITE:
            return await self._text(request, boarded)
        if action is Action.VARIANTS:
            return await self._pictures(request, boarded)
        if action is Action.EDIT:
            return await self._edit(request, boarded)
        return await self._picture_4k(request, boarded)

    async def _text(self, request: _Request, queue: JobQueue) -> Started:
        outcome, _ = await self._studio.queue_app_post(
            request.account,
            Draft.of(request.post),
            request.locale,
            queue,
            self._board,
            job_id=request.job_id,
            key=f"app-text:{request.key}",
            picture_of=request.post.id,
        )
        return _from_post_status(outcome.status)

    async def _pictures(self, request: _Request, queue: JobQueue) -> Started:
        held_at, account = time.time(), request.account
        held = await self._variants.hold(account, request.post, f"app:{request.key}", None)
        if not isinstance(held, int):
            return _from_post_status(held.status)
        job = request.job(Action.VARIANTS, held, held_at)
        released = await queue_or_release(
            queue, job, lambda: self._variants.release(account.user_id, held)
        )
        return Started.UNAVAILABLE if released else Started.QUEUED

    async def _edit(self, request: _Request, queue: JobQueue) -> Started:
        held_at = time.time()
        held = await self._editing.hold(request.account, request.post.id, f"app:{request.key}")
        if isinstance(held, EditOutcome):
            return _EDIT_REFUSALS.get(held.status, Started.UNAVAILABLE)
        job = request.job(Action.EDIT, held.id, held_at, words=request.words)
        released = await queue_or_release(queue, job, lambda: self._editing.release(held))
        return Started.UNAVAILABLE if released else Started.QUEUED

    async def _picture_4k(self, request: _Request, queue: JobQueue) -> Started:
        outcome = await self._four_k.order_job(
            request.account,
            request.post,
            f"app:{request.key}",
            queue,
            lambda lock, held, at: request.job(Action.FOUR_K, held, at, lock=lock),
        )
        statuses = {
            FourKStatus.QUEUED: Started.QUEUED,
            FourKStatus.BUSY: Started.BUSY,
            FourKStatus.DUPLICATE: Started.AGAIN,
            FourKStatus.INSUFFICIENT: Started.INSUFFICIENT,
        }
        return statuses.get(outcome.status, Started.UNAVAILABLE)

    async def _known(self, job_id: str, user_id: int) -> bool:
        job = await self._board.get(job_id)
        return job is not None and job.user_id == user_id

    async def _balance(self, account: Account) -> int:
        fresh = await self._studio.account(account.user_id)
        return fresh.balance if fresh is not None else account.balance


@dataclass(frozen=True, slots=True)
class _Request:
    account: Account
    post: StoredPost
    job_id: str
    key: str
    locale: str
    words: str
    cost: int

    def queued(self, action: Action) -> Event:
        """What the job's first event says: which action, on which post, for how much."""
        return {"action": action.value, "post_id": self.post.id, "cost": self.cost}

    def job(
        self, action: Action, held: int | None, held_at: float, *, words: str = "", lock: str = ""
    ) -> AppActionJob:
        return AppActionJob(
            action.value,
            self.job_id,
            self.account.user_id,
            self.locale,
            self.post.id,
            held,
            held_at,
            words,
            lock,
        )


def _four_k_path(user_id: int, job_id: str) -> str:
    return f"four_k/{user_id}/{job_id}.png"


def _from_post_status(status: PostStatus) -> Started:
    statuses = {
        PostStatus.QUEUED: Started.QUEUED,
        PostStatus.NOT_PRO: Started.NOT_PRO,
        PostStatus.INSUFFICIENT: Started.INSUFFICIENT,
        PostStatus.BUSY: Started.BUSY,
        PostStatus.DUPLICATE: Started.AGAIN,
        PostStatus.FAILED: Started.UNAVAILABLE,
    }
    return statuses.get(status, Started.GONE)


_EDIT_REFUSALS = {
    EditStatus.NOT_PRO: Started.NOT_PRO,
    EditStatus.INSUFFICIENT: Started.INSUFFICIENT,
    EditStatus.BUSY: Started.BUSY,
    EditStatus.DUPLICATE: Started.AGAIN,
    EditStatus.GONE: Started.GONE,
}
