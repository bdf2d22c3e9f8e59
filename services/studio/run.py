"""One studio post's run, once its tokens are held: the text and the image at the same time
(with live progress), delivery, then one transaction that stores the post and commits the
hold — or refunds it exactly once when anything fails."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from services.core.account_repo import AccountRepo
from services.core.image_repo import ImageRepo, NewImage, StoredImage
from services.core.ledger import Ledger
from services.core.models import Account, GenerationRecord, Reservation
from services.core.stops import Stopped, unless_stopped
from services.generation.base import FailureKind, GenerationError, ImageResult, Usage
from services.generation.call_log import CallLog
from services.generation.chain import Fallback, ImageChain
from services.generation.image_bytes import fit_for_photo
from services.infra.db import LOST, Database
from services.infra.media import MediaStore
from services.infra.patience import patiently
from services.studio.chains import PromptChain, TextChain
from services.studio.drafts import Draft, request_summary
from services.studio.models import (
    NewPost,
    PartialCallback,
    PostRequest,
    PostText,
    StudioParams,
)
from services.studio.post_repo import PostRepo
from services.studio.progress import ProgressCallback, Reporter
from services.studio.prompts import studio_image_request

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadyPost:
    """A generated post about to be shown; its tokens are committed once it is."""

    post_id: int
    text: PostText
    image_png: bytes
    photo: bytes
    """The image as Telegram takes it for a photo (the PNG, or a JPEG when it is too big)."""
    photo_name: str


@dataclass(frozen=True, slots=True)
class KeptPicture:
    """A delivered post's picture, kept for a new text ("rewrite the text")."""

    image: StoredImage
    png: bytes
    width: int
    height: int


DeliverCallback = Callable[[ReadyPost], Awaitable[str | None]]
"""Shows the post; returns Telegram's file_id of the photo (kept for sharing)."""


class PostStatus(StrEnum):
    DONE = "done"
    NOT_PRO = "not_pro"
    INSUFFICIENT = "insufficient"
    BUSY = "busy"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    QUEUED = "queued"
    """The tokens are held and the run is to be made (StudioService.reserve_post)."""
    STOPPED = "stopped"
    """The person pressed Stop before the post was shown: the tokens are back."""


@dataclass(frozen=True, slots=True)
class PostOutcome:
    status: PostStatus
    balance: int
    post_id: int | None = None
    text: PostText | None = None
    image_png: bytes | None = None
    image_path: str | None = None
    failure: FailureKind | None = None


class PostRun:
    """Makes the post of a held reservation and settles the hold."""

    def __init__(
        self,
        *,
        db: Database,
        ledger: Ledger,
        accounts: AccountRepo,
        text_chain: TextChain,
        image_chain: ImageChain,
        prompt_chain: PromptChain,
        media: MediaStore,
        timeout: float,
    ) -> None:
        self._db = db
        self._ledger = ledger
        self._accounts = accounts
        self._text = text_chain
        self._image = image_chain
        self._prompts = prompt_chain
        self._media = media
        self._timeout = timeout

    async def make(
        self,
        account: Account,
        draft: Draft,
        reservation: Reservation,
        on_progress: ProgressCallback,
        deliver: DeliverCallback,
        *,
        timeout: float | None = None,
        on_partial: PartialCallback | None = None,
        stop: asyncio.Event | None = None,
        kept: KeptPicture | None = None,
    ) -> PostOutcome:
        """`timeout`: seconds the writing and painting may take (the generation timeout
        when None). `on_partial` is told the text as it is written; once `stop` is set,
        before the post is shown, the providers are left and the hold refunded (STOPPED);
        after, it changes nothing. With `kept`, only the text is written: the post keeps
        that picture."""
        records: list[GenerationRecord] = []
        post = _new_post(account.user_id, draft, reservation.id)
        reporter = Reporter(on_progress, resumed=reservation.takeovers > 0)
        limit = self._timeout if timeout is None else timeout
        try:
            text, image = await unless_stopped(
                self._generate(account.user_id, draft, records, reporter, limit, on_partial, kept),
                stop,
            )
            if stop is not None and stop.is_set():
                raise Stopped
            photo, extension = await fit_for_photo(image.png)
            name = f"post-{reservation.id}.{extension}"
            file_id = await deliver(ReadyPost(reservation.id, text, image.png, photo, name))
            await reporter.drain()
            image_path = await self._media.save(
                f"posts/{account.user_id}/{reservation.id}.png", image.png
            )
        except Stopped:
            await reporter.drain()
            post = replace(post, error="stopped by its owner")
            post_id, balance = await self._settle_patiently(post, records, reservation)
            return PostOutcome(PostStatus.STOPPED, balance, post_id=post_id)
        except Exception as error:
            logger.warning("studio post of %s failed: %r", account.user_id, error)
            await reporter.drain()
            post = replace(post, error=repr(error))
            post_id, balance = await self._settle_patiently(post, records, reservation)
            failure = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return PostOutcome(PostStatus.FAILED, balance, post_id=post_id, failure=failure)
        post, records = _done(post, records, text, image_path)
        picture = _picture(post, records, file_id, kept)
        post_id, balance = await self._settle_patiently(post, records, reservation, picture)
        return PostOutcome(
            PostStatus.DONE,
            balance,
            post_id=post_id,
            text=text,
            image_png=image.png,
            image_path=image_path,
        )

    async def _settle_patiently(
        self,
        post: NewPost,
        records: list[GenerationRecord],
        reservation: Reservation,
        picture: NewImage | None = None,
    ) -> tuple[int, int]:
        """`_settle`, tried again while the database connection is lost (a restart, a
        failover): the photo may be out already, and a job handed back would send it again.
        Settling twice is settling once (a settled hold is not settled again)."""
        return await patiently(
            lambda: self._settle(post, records, reservation, picture),
            f"settling post {reservation.id}",
            errors=LOST,
        )

    async def _settle(
        self,
        post: NewPost,
        records: list[GenerationRecord],
        reservation: Reservation,
        picture: NewImage | None = None,
    ) -> tuple[int, int]:
        """Stores the post with its provider calls (and its picture, for the gallery and
        sharing) and commits (done) or refunds (failed) the tokens, all in one
        transaction. Returns (post id, balance).

        A hold the sweeper already refunded (this run outlived its deadline) is neither
        committed nor refunded again, and the post the sweeper stored stays as it is."""
        async with self._db.transaction() as tx:
            if post.status == "done":
                balance = await self._ledger.commit(reservation, tx)
            else:
                balance = await self._ledger.refund(reservation, tx)
            if balance is not None:
                await PostRepo.save(tx, post, records)
                if picture is not None:
                    await ImageRepo.insert(tx, picture)
        if balance is None:
            logger.warning("post %s ended after its hold was swept: not charged", reservation.id)
            return reservation.id, await self.balance(post.user_id)
        return reservation.id, balance

    async def _generate(
        self,
        user_id: int,
        draft: Draft,
        records: list[GenerationRecord],
        reporter: Reporter,
        timeout: float,
        on_partial: PartialCallback | None = None,
        kept: KeptPicture | None = None,
    ) -> tuple[PostText, ImageResult]:
        """Writes the post and paints its picture at the same time, within `timeout`."""
        request = PostRequest(
            draft.post_type,
            draft.audience,
            draft.language,
            draft.referral_link,
            seed=secrets.randbits(32),
        )
        deadline = asyncio.get_running_loop().time() + timeout
        calls = _Calls(records, user_id, request_summary(draft), reporter, deadline)
        try:
            reporter.notify()  # "started": shown while both run
            async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
                text_task = group.create_task(self._write(request, calls, on_partial))
                painting = self._paint(request, calls) if kept is None else _keep(kept, calls)
                image_task = group.create_task(painting)
        except TimeoutError as error:
            raise GenerationError(FailureKind.TIMEOUT, "generation timed out") from error
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from group_error
        return text_task.result(), image_task.result()

    async def _write(
        self, request: PostRequest, calls: _Calls, on_partial: PartialCallback | None
    ) -> PostText:
        log = CallLog(calls.records, calls.user_id, "text", calls.summary)
        reporter = calls.reporter

        async def on_fallback(fallback: Fallback) -> None:
            log.failed(fallback.failed, fallback.error)
            reporter.text_fallback = True
            reporter.notify()

        result = await log.run(
            self._text.write_post(request, on_fallback, calls.deadline, on_partial)
        )
        reporter.text = result.text
        if not reporter.image_ready:
            reporter.notify()
        return result.text

    async def _paint(self, request: PostRequest, calls: _Calls) -> ImageResult:
        image_request = studio_image_request(request)
        if self._prompts.uses_a_model:
            prompt_log = CallLog(calls.records, calls.user_id, "prompt", calls.summary)
            prompt = await prompt_log.run(self._prompts.write_prompt(request))
            image_request = studio_image_request(request, prompt.prompt)
        log = CallLog(calls.records, calls.user_id, "image", image_request.prompt)
        reporter = calls.reporter

        async def on_fallback(fallback: Fallback) -> None:
            log.failed(fallback.failed, fallback.error)
            reporter.image_fallback = True
            reporter.notify()

        result = await log.run(self._image.paint(image_request, on_fallback, calls.deadline))
        reporter.image_ready = True
        if reporter.text is None:
            reporter.notify()
        return result

    async def balance(self, user_id: int) -> int:
        account = await self._accounts.get(user_id)
        return account.balance if account else 0


@dataclass(frozen=True, slots=True)
class _Calls:
    """What the writing and the painting of one post share: where their provider calls are
    recorded, whose they are, the progress reporter and the deadline."""

    records: list[GenerationRecord]
    user_id: int
    summary: str
    reporter: Reporter
    deadline: float


def _new_post(user_id: int, draft: Draft, reservation_id: int) -> NewPost:
    """The post's row as it is stored if the run fails (a done run fills in its text)."""
    return NewPost(
        user_id=user_id,
        reservation_id=reservation_id,
        post_type=draft.post_type.value,
        audience=draft.audience.value,
        language=draft.language,
        referral_link=draft.referral_link,
        status="failed",
        started_at=time.time(),
    )


def _done(
    post: NewPost, records: list[GenerationRecord], text: PostText, image_path: str
) -> tuple[NewPost, list[GenerationRecord]]:
    """The post's row and its calls once it was made: its text, and where its picture is."""
    made = replace(
        post,
        status="done",
        title=text.title,
        body=text.body,
        hashtags=text.hashtags,
        image_path=image_path,
    )
    calls = [
        replace(r, image_path=image_path) if r.kind == "image" and r.status == "ok" else r
        for r in records
    ]
    return made, calls


def _picture(
    post: NewPost,
    records: list[GenerationRecord],
    file_id: str | None,
    kept: KeptPicture | None = None,
) -> NewImage:
    """The done post's picture for the gallery and sharing, from the call that painted it
    (or the picture it kept, which cost nothing this time)."""
    if kept is not None:
        prompt, provider, model = kept.image.prompt, kept.image.provider, kept.image.model
        cost = 0.0
    else:
        made = next(r for r in records if r.kind == "image" and r.status == "ok")
        prompt, provider, model, cost = made.prompt, made.provider, made.model, made.cost_usd
    return NewImage(
        user_id=post.user_id,
        params=StudioParams(post.title or ""),
        prompt=prompt,
        provider=provider,
        model=model,
        quality="standard",
        cost_usd=cost,
        path=post.image_path or "",
        file_id=file_id,
        post_id=post.reservation_id,
    )


async def _keep(kept: KeptPicture, calls: _Calls) -> ImageResult:
    """The kept picture, as if painted now (nothing is called)."""
    calls.reporter.image_ready = True
    usage = Usage(kept.image.provider, kept.image.model)
    return ImageResult(kept.png, kept.width, kept.height, usage)
