"""Editing a delivered post's picture in words: the request cleaned and capped, the token
held and the job queued (`queue_edit`, in the handler); then, in the job, the picture
edited by the edit chain, shown, kept in the person's gallery as a new image, and the hold
committed — or refunded exactly once when anything fails (`finish_edit`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from services.core.account_repo import AccountRepo
from services.core.holds import Refusal, give_back, hold_under_lock
from services.core.image_repo import ImageRepo, NewImage, StoredImage
from services.core.jobs import JobQueue, Where, queue_or_release
from services.core.ledger import Ledger
from services.core.models import Account, GenerationRecord, Reservation
from services.core.work_repo import Origin
from services.generation.base import FailureKind, GenerationError
from services.generation.editing import (
    Adjustment,
    EditChain,
    EditedImage,
    EditRequest,
    edit_in_time,
)
from services.generation.generation_repo import GenerationRepo
from services.generation.image_bytes import fit_for_photo
from services.infra.db import LOST, Database
from services.infra.locks import UserLocks
from services.infra.media import MediaStore
from services.infra.patience import patiently
from services.studio.drafts import Action, action_fields
from services.studio.jobs import EditJob
from services.studio.models import StoredPost, StudioParams
from services.studio.post_repo import PostRepo

logger = logging.getLogger(__name__)


class EditStatus(StrEnum):
    QUEUED = "queued"
    """The token is held and the job queued."""
    DONE = "done"
    NOT_PRO = "not_pro"
    INSUFFICIENT = "insufficient"
    BUSY = "busy"
    """A post or an edit of the person's is in flight."""
    DUPLICATE = "duplicate"
    """This request was taken already (an update delivered twice)."""
    GONE = "gone"
    """The post or its picture is not the person's (any more)."""
    NOTHING_DONE = "nothing_done"
    """No editor could do any of it: the token is back."""
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EditOutcome:
    status: EditStatus
    balance: int
    applied: tuple[Adjustment, ...] | None = None
    """What the local renderer changed; None when a model took the whole request."""
    not_done: tuple[str, ...] = ()
    """The parts of the request (the person's words) that could not be done."""
    failure: FailureKind | None = None


@dataclass(frozen=True, slots=True)
class EditJobRequest:
    """What the person asked: the post, their words (cleaned: `clean_request`) and the
    post's caption as its photo showed it (the edited photo gets the same)."""

    post_id: int
    words: str
    caption: str


@dataclass(frozen=True, slots=True)
class EditWork:
    """An edit whose token is held: whose, the hold (made at `held_at`), the post and the
    person's words (cleaned)."""

    user_id: int
    reservation_id: int
    held_at: float
    post_id: int
    words: str


@dataclass(frozen=True, slots=True)
class ReadyEdit:
    """An edited picture about to be shown under its post's caption and buttons."""

    photo: bytes
    """As Telegram takes it for a photo (the PNG, or a JPEG when it is too big)."""
    photo_name: str


EditDeliver = Callable[[ReadyEdit], Awaitable[str | None]]
"""Shows the edited picture; returns Telegram's file_id of the photo."""


class PictureEditing:
    def __init__(
        self,
        *,
        db: Database,
        ledger: Ledger,
        accounts: AccountRepo,
        posts: PostRepo,
        edit_chain: EditChain,
        media: MediaStore,
        locks: UserLocks,
        cost: int,
        timeout: float,
    ) -> None:
        self._db = db
        self._ledger = ledger
        self._accounts = accounts
        self._posts = posts
        self._images = ImageRepo(db)
        self._chain = edit_chain
        self._media = media
        self._locks = locks
        self.cost = cost
        """Tokens an edit costs (the models table's `edit`)."""
        self.timeout = timeout
        """Seconds an edit may take from its hold (GENERATION_TIMEOUT)."""

    async def own_picture_post(self, user_id: int, post_id: int) -> StoredPost | None:
        """The done post, only if it is `user_id`'s and still has a picture to edit."""
        post = await self._posts.get(post_id)
        if post is None or post.user_id != user_id or post.status != "done":
            return None
        if await self._images.latest_for_post(user_id, post_id) is None:
            return None
        return post

    async def latest_picture(self, user_id: int, post_id: int) -> StoredImage | None:
        """The post's newest picture (an edit's, once it is done)."""
        return await self._images.latest_for_post(user_id, post_id)

    async def queue_edit(
        self,
        account: Account,
        request: EditJobRequest,
        key: str,
        queue: JobQueue,
        where: Where,
    ) -> EditOutcome:
        """The quick half: the checks, the person's one-job-in-flight lock and the token
        hold (`key` once), then the job queued. QUEUED, or what stopped it (nothing is held
        then: a queue that cannot take the job gives the token back at once, FAILED)."""
        held_at = time.time()
        origin = Origin(where.chat_id, where.message_id)
        reservation = await self.hold(account, request.post_id, key, origin)
        if isinstance(reservation, EditOutcome):
            return reservation
        job = EditJob(
            where, reservation.id, held_at, request.post_id, request.words, request.caption
        )
        released = await queue_or_release(queue, job, lambda: self.release(reservation))
        return released or EditOutcome(EditStatus.QUEUED, account.balance - reservation.amount)

    async def hold(
        self, account: Account, post_id: int, key: str, origin: Origin | None = None
    ) -> Reservation | EditOutcome:
        """The checks, the person's one-job-in-flight lock and the token hold (`key` once;
        with the message the sweeper tells, if any): the hold (its job to be queued, or
        `release`d), or why not (nothing is held)."""
        user_id = account.user_id
        if not account.is_pro:
            return EditOutcome(EditStatus.NOT_PRO, account.balance)
        if await self.own_picture_post(user_id, post_id) is None:
            return EditOutcome(EditStatus.GONE, account.balance)
        reservation = await hold_under_lock(
            self._locks,
            self._ledger,
            user_id,
            self.cost,
            f"edit:{user_id}:{key}",
            "picture edit",
            origin,
            action_fields(Action.EDIT, post_id=post_id),
        )
        if reservation is Refusal.BUSY:
            return EditOutcome(EditStatus.BUSY, account.balance)
        if isinstance(reservation, Refusal):
            return EditOutcome(EditStatus(reservation.value), await self._balance(user_id))
        return reservation

    async def finish_edit(self, job: EditJob, deliver: EditDeliver) -> EditOutcome | None:
        """The slow half, in the job: None when its hold was settled already (a job
        delivered twice: nothing is left to do or say). The edit keeps the hold's deadline;
        the person's lock is released whatever happens."""
        work = EditWork(job.where.user_id, job.reservation_id, job.held_at, job.post_id, job.words)
        return await self.finish(work, deliver)

    async def finish(self, work: EditWork, deliver: EditDeliver) -> EditOutcome | None:
        """`finish_edit` for an edit from anywhere (the chat's job, the Mini App's)."""
        user_id = work.user_id
        reservation = await self._ledger.held(work.reservation_id)
        if reservation is None or reservation.user_id != user_id:
            return None
        try:
            left = max(work.held_at + self.timeout - time.time(), 0.0)
            return await self._edit(work, reservation, deliver, left)
        finally:
            await self._locks.release(user_id)

    async def _edit(
        self, job: EditWork, reservation: Reservation, deliver: EditDeliver, left: float
    ) -> EditOutcome:
        user_id, records = job.user_id, list[GenerationRecord]()
        try:
            post, png = await self._picture_of(user_id, job.post_id)
            request = EditRequest(png, job.words, seed=reservation.id)
            edited = await edit_in_time(self._chain, request, records, left)
            if edited.applied == ():
                balance = await self._settle(reservation, records, job.post_id)
                return EditOutcome(EditStatus.NOTHING_DONE, balance, (), edited.not_done)
            photo, extension = await fit_for_photo(edited.image.png)
            name = f"edit-{reservation.id}.{extension}"
            file_id = await deliver(ReadyEdit(photo, name))
            path = f"edits/{user_id}/{reservation.id}.png"
            path = await self._media.save(path, edited.image.png)
        except Exception as error:
            logger.warning("picture edit of %s failed: %r", user_id, error)
            balance = await self._settle(reservation, records, job.post_id)
            failure = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return EditOutcome(EditStatus.FAILED, balance, failure=failure)
        picture = _new_picture(post, job.words, edited, path, file_id)
        balance = await self._settle(reservation, records, job.post_id, picture)
        return EditOutcome(EditStatus.DONE, balance, edited.applied, edited.not_done)

    async def _picture_of(self, user_id: int, post_id: int) -> tuple[StoredPost, bytes]:
        """The post and the PNG of its newest picture (an edit edits the last edit)."""
        post = await self._posts.get(post_id)
        picture = await self._images.latest_for_post(user_id, post_id)
        if post is None or picture is None or post.user_id != user_id:
            raise GenerationError(FailureKind.INVALID, f"post {post_id} has no picture")
        png = await asyncio.to_thread(self._media.path(picture.path).read_bytes)
        return post, png

    async def _settle(
        self,
        reservation: Reservation,
        records: list[GenerationRecord],
        post_id: int,
        picture: NewImage | None = None,
    ) -> int:
        """Commits the hold with the new picture (done) or refunds it (no picture), with
        the provider calls, in one transaction; tried again while the database connection
        is lost (settling twice is settling once). Returns the balance."""
        calls = [replace(r, user_id=reservation.user_id, post_id=post_id) for r in records]

        async def settle() -> int | None:
            async with self._db.transaction() as tx:
                if picture is not None:
                    balance = await self._ledger.commit(reservation, tx)
                else:
                    balance = await self._ledger.refund(reservation, tx)
                if balance is not None:
                    await GenerationRepo.insert_all(tx, calls)
                    if picture is not None:
                        await ImageRepo.insert(tx, picture)
            return balance

        balance = await patiently(settle, f"settling edit {reservation.id}", errors=LOST)
        if balance is None:
            logger.warning("edit %s ended after its hold was swept: not charged", reservation.id)
            return await self._balance(reservation.user_id)
        return balance

    async def release(self, reservation: Reservation) -> EditOutcome:
        """Undoes the hold when its job could not be queued: the token goes back now."""
        await give_back(self._locks, self._ledger, reservation.user_id, reservation.id)
        balance = await self._balance(reservation.user_id)
        return EditOutcome(EditStatus.FAILED, balance, failure=FailureKind.UNAVAILABLE)

    async def _balance(self, user_id: int) -> int:
        account = await self._accounts.get(user_id)
        return account.balance if account else 0


def _new_picture(
    post: StoredPost, words: str, edited: EditedImage, path: str, file_id: str | None
) -> NewImage:
    """The edited picture as a new image of the person's gallery, belonging to its post."""
    usage = edited.image.usage
    return NewImage(
        user_id=post.user_id,
        params=StudioParams(post.title or ""),
        prompt=f"edit: {words}",
        provider=usage.provider,
        model=usage.model,
        quality="standard",
        cost_usd=usage.cost_usd,
        path=path,
        file_id=file_id,
        post_id=post.id,
    )
