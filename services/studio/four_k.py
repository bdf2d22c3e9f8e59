"""A delivered post's picture at 4K (3840 x 2160, as the seed's studio made them), sent as a
PNG document by a job of the queue (bot/jobs/four_k.py).

- A poster the local renderer drew is drawn again at 3840 x 2160 from the recipe its PNG
  carries (services/studio/poster.py): the same poster, natively at 4K.
- A picture a cloud model painted is repainted at 4K by the models that can (FOUR_K_MODELS,
  given the picture and its prompt); when none is configured or all fail, the picture is
  enlarged with Lanczos resampling, and the caption says so.

The press is quick (`order`): one 4K job per post at a time (a named lock, let go when the
job ends) and, when 4K costs tokens (`four_k`), a hold under the press's idempotency
key. The job (`make`) commits the hold once the document is delivered, or refunds it
once when the picture cannot be made."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from services.core.account_repo import AccountRepo
from services.core.image_repo import ImageRepo, StoredImage
from services.core.jobs import JobQueue, QueuedJob, Where, queue_or_release
from services.core.ledger import Ledger
from services.core.models import Account, GenerationRecord, Reservation
from services.core.work_repo import Origin
from services.generation.base import FailureKind, GenerationError, ImageRequest
from services.generation.call_log import CallLog
from services.generation.chain import Fallback, ImageChain
from services.generation.generation_repo import GenerationRepo
from services.generation.local.resample import Resampled, png_size
from services.infra.db import LOST, Database
from services.infra.locks import KeyLocks
from services.infra.media import MediaStore
from services.infra.patience import patiently
from services.studio.drafts import Action, action_fields
from services.studio.jobs import FourKJob
from services.studio.models import StoredPost
from services.studio.post_repo import PostRepo
from services.studio.poster import DrawnPoster, drawn_poster
from services.studio.prompts import NEGATIVE

logger = logging.getLogger(__name__)

FOUR_K_SIZE = (3840, 2160)
DOCUMENT_BYTES = 50 * 1024 * 1024 - 64 * 1024
"""Telegram's document upload limit (50 MB), with room for the multipart envelope. A
3840 x 2160 RGB picture is 25 MB unpacked, so a PNG of it always fits."""
ENLARGING_RESERVE = 10.0
"""Seconds of the deadline kept for enlarging the picture when the repaint fails."""
REPAINT_BRIEF = (
    "Repaint the attached picture at 4K resolution: the same scene, people, composition,"
    " colours and light, with finer detail and nothing added. It was painted from this"
    " brief: {prompt}"
)


class FourKStatus(StrEnum):
    QUEUED = "queued"
    """The job is queued (with the tokens held, when 4K costs any)."""
    BUSY = "busy"
    """A 4K picture of this post is being made already: nothing was started."""
    DUPLICATE = "duplicate"
    """This press was ordered before (its idempotency key): nothing was started."""
    INSUFFICIENT = "insufficient"
    FAILED = "failed"
    DONE = "done"


class FourKFailure(StrEnum):
    TIMEOUT = "timeout"
    GONE = "gone"
    """The post's picture is no longer stored."""
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class FourKOutcome:
    status: FourKStatus
    cost: int = 0
    """Tokens this picture moved (held, spent or given back): 0 when it is free."""
    balance: int | None = None
    failure: FourKFailure | None = None


@dataclass(frozen=True, slots=True)
class FourKPicture:
    """The picture to deliver, and what the caption says about it."""

    post_id: int
    title: str
    png: bytes
    enlarged: bool
    """Enlarged from a smaller picture (Lanczos), rather than drawn or painted at 4K."""
    cost: int
    balance: int | None
    """The balance once it is delivered (the hold is taken already); None when free."""

    @property
    def filename(self) -> str:
        return f"post-{self.post_id}-4k.png"


FourKDelivery = Callable[[FourKPicture], Awaitable[None]]
"""Sends the picture (as a document); raises when it could not."""


@dataclass(frozen=True, slots=True)
class FourKWork:
    """A 4K picture ordered: whose, which post, when (its deadline counts from it), the
    post's 4K lock and the tokens held (None: free)."""

    user_id: int
    post_id: int
    queued_at: float
    lock: str
    reservation_id: int | None


class PictureGoneError(Exception):
    """The post's stored picture cannot be read any more."""


@dataclass(frozen=True, slots=True)
class _Source:
    """What the 4K picture is made from: the stored picture and how it was made."""

    post: StoredPost
    png: bytes
    image: StoredImage | None

    @property
    def prompt(self) -> str:
        return self.image.prompt if self.image is not None else self.post.title or ""

    @property
    def cloud_painted(self) -> bool:
        return self.image is not None and self.image.provider != "local"


class FourKService:
    def __init__(
        self,
        *,
        db: Database,
        ledger: Ledger,
        accounts: AccountRepo,
        media: MediaStore,
        locks: KeyLocks,
        renderer: ImageChain,
        repainters: ImageChain | None,
        cost: int,
        timeout: float,
        lock_seconds: float,
    ) -> None:
        self._db = db
        self._ledger = ledger
        self._accounts = accounts
        self._posts = PostRepo(db)
        self._images = ImageRepo(db)
        self._media = media
        self._locks = locks
        self._renderer = renderer
        self._repainters = repainters
        self.cost = cost
        """The models table's `four_k`: 0 when 4K is free."""
        self._timeout = timeout
        self._lock_seconds = lock_seconds

    async def order(
        self, account: Account, post: StoredPost, key: str, queue: JobQueue, where: Where
    ) -> FourKOutcome:
        """The press (for `account`'s own done `post`): the post's 4K lock, the tokens held
        under `key` when 4K costs any, then the job queued. QUEUED, or why nothing was
        started (a queue that cannot take the job gives everything back at once: FAILED)."""
        return await self.order_job(
            account,
            post,
            key,
            queue,
            lambda lock, held, at: FourKJob(where, post.id, at, lock, held),
            Origin(where.chat_id, where.message_id),
        )

    async def order_job(
        self,
        account: Account,
        post: StoredPost,
        key: str,
        queue: JobQueue,
        job_for: Callable[[str, int | None, float], QueuedJob],
        origin: Origin | None = None,
    ) -> FourKOutcome:
        """`order`, with the job `job_for(lock, hold's id or None, queued at)` (the chat's
        or the Mini App's) and the message the sweeper tells if the job dies (None: the
        Mini App's job board tells)."""
        lock = await self._locks.acquire(_lock_key(post.id), self._lock_seconds)
        if lock is None:
            return FourKOutcome(FourKStatus.BUSY, self.cost)
        try:
            held = await self._hold(account, post, key, origin)
        except BaseException:
            await self._locks.release(_lock_key(post.id), lock)
            raise
        if isinstance(held, FourKOutcome):
            await self._locks.release(_lock_key(post.id), lock)
            return held
        job = job_for(lock, held.id if held else None, time.time())
        released = await queue_or_release(
            queue, job, lambda: self._abandon(account.user_id, post.id, lock, held)
        )
        return released or FourKOutcome(FourKStatus.QUEUED, self.cost)

    async def _hold(
        self, account: Account, post: StoredPost, key: str, origin: Origin | None
    ) -> Reservation | FourKOutcome | None:
        """The tokens held for the picture (None: it is free), or why they were not."""
        if self.cost == 0:
            return None
        user_id = account.user_id
        reserved = await self._ledger.reserve(
            user_id,
            self.cost,
            f"four_k:{user_id}:{post.id}:{key}",
            "4K picture",
            origin,
            action_fields(Action.FOUR_K, post_id=post.id),
        )
        if reserved.reservation is None:
            return FourKOutcome(FourKStatus.INSUFFICIENT, self.cost, account.balance)
        if reserved.duplicate:
            return FourKOutcome(FourKStatus.DUPLICATE, self.cost)
        return reserved.reservation

    async def _abandon(
        self, user_id: int, post_id: int, lock: str, held: Reservation | None
    ) -> FourKOutcome:
        """Undoes `order` when its job could not be queued."""
        try:
            if held is not None:
                await self._ledger.refund(held)
        finally:
            await self._locks.release(_lock_key(post_id), lock)
        balance = await self._balance(user_id)
        return FourKOutcome(FourKStatus.FAILED, self.cost, balance, FourKFailure.UNAVAILABLE)

    async def make(self, job: FourKJob, deliver: FourKDelivery) -> FourKOutcome | None:
        """The job: the picture made within its deadline and handed to `deliver`, then the
        tokens committed (DONE), or refunded once when anything failed (FAILED). None when
        its tokens were settled already (a job delivered twice): nothing to do or say. The
        post's 4K lock is let go whatever happens."""
        work = FourKWork(
            job.where.user_id, job.post_id, job.queued_at, job.lock, job.reservation_id
        )
        return await self.make_picture(work, deliver)

    async def make_picture(self, job: FourKWork, deliver: FourKDelivery) -> FourKOutcome | None:
        """`make` for a picture ordered from anywhere (the chat's job, the Mini App's)."""
        try:
            reservation = None
            if job.reservation_id is not None:
                reservation = await self._ledger.held(job.reservation_id)
                if reservation is None:
                    return None
            return await self._make(job, reservation, deliver)
        finally:
            await self._locks.release(_lock_key(job.post_id), job.lock)

    async def _make(
        self, job: FourKWork, reservation: Reservation | None, deliver: FourKDelivery
    ) -> FourKOutcome:
        records: list[GenerationRecord] = []
        user_id, cost = job.user_id, reservation.amount if reservation else 0
        try:
            left = max(job.queued_at + self._timeout - time.time(), 0.0)
            async with asyncio.timeout(left):
                source = await self._source(user_id, job.post_id)
                png, enlarged = await self._picture(source, records, left)
            if len(png) > DOCUMENT_BYTES:
                raise GenerationError(FailureKind.INVALID, f"{len(png)} bytes: over 50 MB")
            balance = await self._balance(user_id) if reservation else None
            title = source.post.title or ""
            await deliver(FourKPicture(job.post_id, title, png, enlarged, cost, balance))
        except Exception as error:
            logger.warning("4K picture of post %s failed: %r", job.post_id, error)
            balance = await self._settle(job, records, reservation, done=False)
            return FourKOutcome(FourKStatus.FAILED, cost, balance, _failure(error))
        balance = await self._settle(job, records, reservation, done=True)
        return FourKOutcome(FourKStatus.DONE, cost, balance)

    async def _source(self, user_id: int, post_id: int) -> _Source:
        """The post's picture as the gallery knows it (its image), else as the post
        stored it (an image deleted from the gallery)."""
        post = await self._posts.get(post_id)
        if post is None or post.user_id != user_id:
            raise PictureGoneError(f"post {post_id} is not {user_id}'s")
        image = await self._images.for_post(user_id, post_id)
        path = image.path if image is not None else post.image_path
        if not path:
            raise PictureGoneError(f"post {post_id} has no picture")
        try:
            png = await asyncio.to_thread(self._media.path(path).read_bytes)
        except (OSError, ValueError) as error:
            raise PictureGoneError(f"{path}: {error}") from error
        return _Source(post, png, image)

    async def _picture(
        self, source: _Source, records: list[GenerationRecord], left: float
    ) -> tuple[bytes, bool]:
        """(PNG at 3840 x 2160, enlarged?): drawn again, repainted, or else enlarged."""
        log = CallLog(records, source.post.user_id, "image", source.prompt)
        if (poster := drawn_poster(source.png)) is not None:
            drawn = await log.run(self._renderer.paint(_redraw(source, poster)))
            return drawn.png, False
        if source.cloud_painted and (painted := await self._repaint(source, log, left)):
            return await self._resampled(painted), _smaller_than_4k(painted)
        return await self._resampled(source.png), True

    async def _repaint(self, source: _Source, log: CallLog, left: float) -> bytes | None:
        """The picture repainted at 4K by the first model that can; None when none could
        (each failure is recorded; the picture is then enlarged instead)."""
        if self._repainters is None:
            return None
        request = ImageRequest(
            prompt=REPAINT_BRIEF.format(prompt=source.prompt),
            negative_prompt=NEGATIVE,
            width=FOUR_K_SIZE[0],
            height=FOUR_K_SIZE[1],
            seed=0,
            sketch=Resampled(source.png),
            image_size="4K",
            reference_png=source.png,
        )
        deadline = asyncio.get_running_loop().time() + max(left - ENLARGING_RESERVE, 0.0)

        async def on_fallback(fallback: Fallback) -> None:
            log.failed(fallback.failed, fallback.error)

        try:
            result = await log.run(self._repainters.paint(request, on_fallback, deadline))
        except GenerationError as error:
            logger.warning("no 4K repaint of post %s (%s): enlarging it", source.post.id, error)
            return None
        return result.png

    async def _resampled(self, png: bytes) -> bytes:
        """`png` at exactly 3840 x 2160 (Lanczos), drawn in the local render slots."""
        if png_size(png) == FOUR_K_SIZE:
            return png
        width, height = FOUR_K_SIZE
        request = ImageRequest("", width, height, seed=0, sketch=Resampled(png))
        return (await self._renderer.paint(request)).png

    async def _settle(
        self,
        job: FourKWork,
        records: list[GenerationRecord],
        reservation: Reservation | None,
        *,
        done: bool,
    ) -> int | None:
        """The provider calls stored (as the post's) and the hold committed (`done`) or
        refunded, in one transaction, tried again while the database connection is lost
        (the picture may be out already). The balance after it; None when it is free."""
        calls = [replace(record, post_id=job.post_id) for record in records]
        return await patiently(
            lambda: self._settle_once(job.user_id, calls, reservation, done=done),
            f"settling the 4K picture of post {job.post_id}",
            errors=LOST,
        )

    async def _settle_once(
        self,
        user_id: int,
        calls: list[GenerationRecord],
        reservation: Reservation | None,
        *,
        done: bool,
    ) -> int | None:
        async with self._db.transaction() as tx:
            balance = None
            if reservation is not None:
                settle = self._ledger.commit if done else self._ledger.refund
                balance = await settle(reservation, tx)
            if reservation is None or balance is not None:  # settled once: stored once
                await GenerationRepo.insert_all(tx, calls)
        if reservation is not None and balance is None:
            logger.warning("4K hold %s ended after it was swept: not charged", reservation.id)
            return await self._balance(user_id)
        return balance

    async def _balance(self, user_id: int) -> int:
        account = await self._accounts.get(user_id)
        return account.balance if account else 0


def _lock_key(post_id: int) -> str:
    return f"four_k:{post_id}"


def _redraw(source: _Source, poster: DrawnPoster) -> ImageRequest:
    """The local poster again, from its own recipe, at 3840 x 2160."""
    width, height = FOUR_K_SIZE
    return ImageRequest(source.prompt, width, height, seed=poster.seed, sketch=poster.sketch)


def _smaller_than_4k(png: bytes) -> bool:
    width, height = png_size(png)
    return width < FOUR_K_SIZE[0] or height < FOUR_K_SIZE[1]


def _failure(error: Exception) -> FourKFailure:
    if isinstance(error, PictureGoneError):
        return FourKFailure.GONE
    if isinstance(error, TimeoutError):
        return FourKFailure.TIMEOUT
    return FourKFailure.UNAVAILABLE
