"""The Viral Studio: reserve tokens, write the post and paint its image at the same time,
then commit — or refund exactly once when anything fails."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from services.catalog import Audience, PostType
from services.generation.base import (
    FailureKind,
    GenerationError,
    ImageGenerator,
    ImageResult,
    PostRequest,
    PostText,
    TextGenerator,
    TextResult,
    Usage,
)
from services.generation.prompts import studio_image_request
from services.ledger import Ledger
from services.locks import UserLocks, hold
from services.media import MediaStore
from services.models import Account, GenerationRecord, StoredPost
from services.storage.accounts import AccountRepo
from services.storage.posts import PostRepo

logger = logging.getLogger(__name__)

T = TypeVar("T", TextResult, ImageResult)


@dataclass(frozen=True, slots=True)
class Draft:
    post_type: PostType
    audience: Audience
    language: str
    referral_link: str | None


@dataclass(frozen=True, slots=True)
class Progress:
    text: PostText | None
    image_ready: bool


ProgressCallback = Callable[[Progress], Awaitable[None]]


class PostStatus(StrEnum):
    DONE = "done"
    NOT_PRO = "not_pro"
    INSUFFICIENT = "insufficient"
    BUSY = "busy"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PostOutcome:
    status: PostStatus
    balance: int
    post_id: int | None = None
    text: PostText | None = None
    image_png: bytes | None = None
    image_path: str | None = None
    failure: FailureKind | None = None


def new_draft_key() -> str:
    """A random id for one confirm screen: pressing its button twice is one post."""
    return secrets.token_hex(6)


class StudioService:
    def __init__(
        self,
        *,
        ledger: Ledger,
        accounts: AccountRepo,
        posts: PostRepo,
        text_generator: TextGenerator,
        image_generator: ImageGenerator,
        media: MediaStore,
        locks: UserLocks,
        cost: int,
        timeout: float,
    ) -> None:
        self._ledger = ledger
        self._accounts = accounts
        self._posts = posts
        self._text = text_generator
        self._image = image_generator
        self._media = media
        self._locks = locks
        self.cost = cost
        self._timeout = timeout

    @property
    def languages(self) -> tuple[str, ...]:
        """Post languages the active text generator can write, English first."""
        return tuple(sorted(self._text.languages, key=lambda code: (code != "en", code)))

    async def create_post(
        self, user_id: int, draft: Draft, key: str, on_progress: ProgressCallback
    ) -> PostOutcome:
        account = await self._accounts.get(user_id)
        balance = account.balance if account else 0
        if account is None or not account.is_pro:
            return PostOutcome(PostStatus.NOT_PRO, balance)
        async with hold(self._locks, user_id) as acquired:
            if not acquired:
                return PostOutcome(PostStatus.BUSY, balance)
            outcome = await self._ledger.reserve(
                user_id, self.cost, f"studio:{user_id}:{key}", "studio post"
            )
            if outcome.reservation is None:
                return PostOutcome(PostStatus.INSUFFICIENT, balance)
            if outcome.duplicate:
                return PostOutcome(PostStatus.DUPLICATE, await self._balance(user_id))
            reservation = outcome.reservation
            post_id = await self._posts.create_pending(
                user_id, reservation.id, draft.post_type.value, draft.audience.value,
                draft.language, draft.referral_link,
            )  # fmt: skip
            try:
                text, image = await self._generate(user_id, post_id, draft, on_progress)
                image_path = await self._media.save(f"posts/{user_id}/{post_id}.png", image.png)
                await self._posts.finish(post_id, text.title, text.body, text.hashtags, image_path)
            except Exception as error:
                failure = error.kind if isinstance(error, GenerationError) else None
                logger.warning("post %s failed: %r", post_id, error)
                await self._ledger.refund(reservation)
                await self._posts.fail(post_id, repr(error))
                return PostOutcome(
                    PostStatus.FAILED, await self._balance(user_id), post_id=post_id,
                    failure=failure or FailureKind.UNAVAILABLE,
                )  # fmt: skip
            await self._ledger.commit(reservation)
            return PostOutcome(
                PostStatus.DONE, await self._balance(user_id), post_id=post_id, text=text,
                image_png=image.png, image_path=image_path,
            )  # fmt: skip

    async def _generate(
        self, user_id: int, post_id: int, draft: Draft, on_progress: ProgressCallback
    ) -> tuple[PostText, ImageResult]:
        request = PostRequest(
            draft.post_type, draft.audience, draft.language, draft.referral_link,
            seed=secrets.randbits(32),
        )  # fmt: skip
        image_request = studio_image_request(request)
        state: dict[str, PostText | bool | None] = {"text": None, "image": False}

        async def report() -> None:
            text = state["text"]
            progress = Progress(
                text=text if isinstance(text, PostText) else None, image_ready=bool(state["image"])
            )
            try:
                await on_progress(progress)
            except Exception:
                logger.exception("progress update failed")

        async def write() -> PostText:
            result = await self._timed(
                user_id,
                post_id,
                "text",
                request_summary(draft),
                self._text.write_post(request),
                source=self._text,
            )
            state["text"] = result.text
            await report()
            return result.text

        async def paint() -> ImageResult:
            result = await self._timed(
                user_id,
                post_id,
                "image",
                image_request.prompt,
                self._image.paint(image_request),
                source=self._image,
            )
            state["image"] = True
            await report()
            return result

        try:
            async with asyncio.timeout(self._timeout), asyncio.TaskGroup() as group:
                text_task = group.create_task(write())
                image_task = group.create_task(paint())
        except TimeoutError as error:
            raise GenerationError(FailureKind.TIMEOUT, "generation timed out") from error
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from group_error
        return text_task.result(), image_task.result()

    async def _timed(
        self,
        user_id: int,
        post_id: int,
        kind: str,
        prompt: str,
        call: Awaitable[T],
        *,
        source: object,
    ) -> T:
        """Awaits one provider call and records it, whether it succeeds, fails or is cancelled."""
        started = time.perf_counter()
        record = GenerationRecord(
            user_id=user_id, post_id=post_id, kind=kind,
            provider=str(getattr(source, "provider", type(source).__name__)),
            model=str(getattr(source, "model", "?")),
            prompt=prompt, status="failed", duration_ms=0,
        )  # fmt: skip
        try:
            result = await call
        except BaseException as error:
            await asyncio.shield(self._record(record, started, error=repr(error)))
            raise
        await self._record(record, started, usage=result.usage)
        return result

    async def _record(
        self,
        record: GenerationRecord,
        started: float,
        *,
        usage: Usage | None = None,
        error: str | None = None,
    ) -> None:
        duration_ms = int((time.perf_counter() - started) * 1000)
        if usage is not None:
            record = replace(
                record, provider=usage.provider, model=usage.model, status="ok",
                cost_usd=usage.cost_usd, input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens, duration_ms=duration_ms,
            )  # fmt: skip
        else:
            record = replace(record, error=error, duration_ms=duration_ms)
        await self._posts.record_generation(record)

    async def account(self, user_id: int) -> Account | None:
        return await self._accounts.get(user_id)

    async def save_referral_link(self, user_id: int, link: str) -> None:
        """Remembers the partner's link so the next post can reuse it with one tap."""
        await self._accounts.set_referral_link(user_id, link)

    async def own_post(self, user_id: int, post_id: int) -> StoredPost | None:
        """The finished post, only if it belongs to `user_id`."""
        post = await self._posts.get(post_id)
        if post is None or post.user_id != user_id or post.status != "done":
            return None
        return post

    def image_file(self, relative_path: str) -> Path:
        return self._media.path(relative_path)

    async def _balance(self, user_id: int) -> int:
        account = await self._accounts.get(user_id)
        return account.balance if account else 0


def request_summary(draft: Draft) -> str:
    link = draft.referral_link or "-"
    return f"{draft.post_type.value}/{draft.audience.value}/{draft.language}/link={link}"
