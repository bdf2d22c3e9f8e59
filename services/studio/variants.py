"""More pictures for a delivered post ("🖼 3 more pictures"): one token each (the models
table's `variant`), held together before the job; the pictures are painted at once from the
post's own prompt with new seeds, shown together, and each joins the gallery. The hold is
committed once they are shown, and what was not painted is given back (all of it when
none was). Picking one makes it the post's picture (its cards, shares and gallery entry)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from services.core.holds import Refusal, give_back, hold_under_lock
from services.core.image_repo import ImageRepo, NewImage, StoredImage
from services.core.ledger import Ledger
from services.core.models import Account
from services.core.work_repo import Origin
from services.generation.base import FailureKind, GenerationError, ImageResult
from services.generation.chain import ImageChain
from services.infra.db import Database
from services.infra.locks import UserLocks
from services.infra.media import MediaStore
from services.studio.catalog import POST_PALETTES
from services.studio.drafts import Action, Draft, action_fields
from services.studio.local_writer import kicker
from services.studio.models import PostRequest, StoredPost, StudioParams
from services.studio.post_repo import PostRepo
from services.studio.poster import PosterSketch
from services.studio.prompts import studio_image_request
from services.studio.run import PostStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewPicture:
    """A painted variant about to be shown."""

    png: bytes
    name: str


ShowPictures = Callable[[list[NewPicture]], Awaitable[list[str | None]]]
"""Shows the pictures together; returns Telegram's file_id of each (for reuse)."""


@dataclass(frozen=True, slots=True)
class VariantsOutcome:
    status: PostStatus
    balance: int
    images: tuple[StoredImage, ...] = ()
    spent: int = 0
    given_back: int = 0
    failure: FailureKind | None = None


class Variants:
    def __init__(
        self,
        *,
        db: Database,
        ledger: Ledger,
        posts: PostRepo,
        image_chain: ImageChain,
        media: MediaStore,
        locks: UserLocks,
        price_each: int,
        count: int,
        timeout: float,
    ) -> None:
        self._db, self._ledger, self._posts = db, ledger, posts
        self._images = ImageRepo(db)
        self._chain, self._media, self._locks = image_chain, media, locks
        self.price_each = price_each
        self.count = count
        self.timeout = timeout

    @property
    def price(self) -> int:
        return self.price_each * self.count

    async def hold(
        self, account: Account, post: StoredPost, key: str, origin: Origin | None
    ) -> VariantsOutcome | int:
        """The tokens held (with the person's one-at-a-time lock): the hold's id, or why
        not (nothing is held then)."""
        if not account.is_pro:
            return VariantsOutcome(PostStatus.NOT_PRO, account.balance)
        held = await hold_under_lock(
            self._locks,
            self._ledger,
            account.user_id,
            self.price,
            f"variants:{account.user_id}:{key}",
            "studio variants",
            origin,
            action_fields(Action.VARIANTS, post_id=post.id),
        )
        if isinstance(held, Refusal):
            return VariantsOutcome(PostStatus(held.value), account.balance)
        return held.id

    async def release(self, user_id: int, reservation_id: int) -> bool:
        """Undoes `hold` when its job could not be queued (True: released)."""
        await give_back(self._locks, self._ledger, user_id, reservation_id)
        return True

    async def make(
        self, user_id: int, post_id: int, reservation_id: int, held_at: float, show: ShowPictures
    ) -> VariantsOutcome | None:
        """The job: None when the hold is settled already (nothing to do)."""
        reservation = await self._ledger.held(reservation_id)
        if reservation is None or reservation.user_id != user_id:
            return None
        try:
            post = await self._posts.get(post_id)
            base = await self._images.for_post(user_id, post_id)
            if post is None or post.user_id != user_id or base is None:
                raise GenerationError(FailureKind.INVALID, "the post or its picture is gone")
            left = max(held_at + self.timeout - time.time(), 0.0)
            painted = await self._paint_all(post, base, left)
            if not painted:
                raise GenerationError(FailureKind.UNAVAILABLE, "no picture could be painted")
            names = [f"post-{post_id}-variant-{n + 1}.png" for n in range(len(painted))]
            pictures = [NewPicture(r.png, name) for r, name in zip(painted, names, strict=True)]
            file_ids = await show(pictures)
            kept = await self._files(post, base, painted, file_ids)
        except Exception as error:
            logger.warning("variants of post %s failed: %r", post_id, error)
            balance = await self._ledger.refund(reservation)
            kind = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return VariantsOutcome(PostStatus.FAILED, balance or 0, failure=kind)
        finally:
            await self._locks.release(user_id)
        async with self._db.transaction() as tx:  # shown: in the gallery and paid, at once
            images = [await ImageRepo.insert(tx, image) for image in kept]
            balance = await self._ledger.commit(reservation, tx) or 0
        missing = (self.count - len(images)) * self.price_each
        if missing:
            account = await self._ledger.give_back_part(
                user_id,
                missing,
                key=f"variants-back:{reservation_id}",
                reason="pictures not painted",
            )
            balance = account.balance if account is not None else balance
        return VariantsOutcome(
            PostStatus.DONE, balance, tuple(images), spent=self.price - missing, given_back=missing
        )

    async def pick(self, user_id: int, post_id: int, image_id: int) -> bool:
        """Makes `image_id` (a variant of theirs) the picture of their post `post_id`."""
        return await self._images.make_post_picture(user_id, post_id, image_id)

    async def _paint_all(
        self, post: StoredPost, base: StoredImage, timeout: float
    ) -> list[ImageResult]:
        draft = Draft.of(post)
        requests = []
        for _ in range(self.count):
            request = PostRequest(
                draft.post_type, draft.audience, draft.language, None, secrets.randbits(32)
            )
            image = studio_image_request(request, base.prompt)
            sketch = PosterSketch(
                post.title or "", kicker(request), POST_PALETTES[draft.post_type]
            )
            requests.append(replace(image, sketch=sketch))
        async with asyncio.timeout(timeout):
            results = await asyncio.gather(
                *(self._chain.paint(r) for r in requests), return_exceptions=True
            )
        for result in results:
            if isinstance(result, BaseException):
                logger.warning("a variant of post %s was not painted: %r", post.id, result)
        return [r for r in results if isinstance(r, ImageResult)]

    async def _files(
        self,
        post: StoredPost,
        base: StoredImage,
        painted: list[ImageResult],
        file_ids: list[str | None],
    ) -> list[NewImage]:
        """The pictures saved under MEDIA_DIR, as gallery images to store."""
        stored = []
        for n, (result, file_id) in enumerate(zip(painted, file_ids, strict=True)):
            path = await self._media.save(
                f"posts/{post.user_id}/{post.id}-v{secrets.token_hex(4)}-{n}.png", result.png
            )
            stored.append(
                NewImage(
                    user_id=post.user_id,
                    params=StudioParams(post.title or ""),
                    prompt=base.prompt,
                    provider=result.usage.provider,
                    model=result.usage.model,
                    quality=base.quality,
                    cost_usd=result.usage.cost_usd,
                    path=path,
                    file_id=file_id,
                )
            )
        return stored
