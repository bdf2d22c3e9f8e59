"""Editing a person's Cosmic Coach image in words: the request held as one weekly use of
their tier, like a new image (the tier's limit, the one-image-in-flight lock), and the job
queued (`queue_edit`, in the handler); then, in the job, the picture edited by the edit
chain (the cloud models, or the local renderer's own adjustments), shown, kept in the
gallery as a new image, and the use kept — or given back exactly once when anything fails
(`finish_edit`). The studio edits its posts' pictures with the same chain
(services/generation/editing.py)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.core.categories import Category
from services.core.image_repo import ImageRepo, NewImage, StoredImage
from services.core.jobs import JobQueue, Where, queue_or_release
from services.core.models import Account, GenerationRecord
from services.core.plans import Tier
from services.core.usage_repo import UseReservation
from services.core.work_repo import Origin
from services.cosmic.again import EDIT_OF
from services.cosmic.jobs import ArtEditJob
from services.cosmic.outcomes import UsageStatus
from services.cosmic.painter import DeliverImage, ReadyImage
from services.cosmic.service import CosmicService
from services.cosmic.tiers import POLICIES
from services.generation.base import FailureKind, GenerationError
from services.generation.editing import (
    Adjustment,
    EditChain,
    EditedImage,
    EditRequest,
    edit_in_time,
)
from services.generation.generation_repo import GenerationRepo
from services.infra.db import LOST
from services.infra.patience import patiently

logger = logging.getLogger(__name__)


class ArtEditStatus(StrEnum):
    QUEUED = "queued"
    """One weekly use is held and the job queued."""
    DONE = "done"
    LIMIT = "limit"
    """This week's uses are spent (nothing held)."""
    UPGRADE = "upgrade"
    """The person's plan does not include this kind of art any more."""
    BUSY = "busy"
    """An image or an edit of the person's is in flight."""
    DUPLICATE = "duplicate"
    """This request was taken already (an update delivered twice)."""
    GONE = "gone"
    """The image is not the person's (any more), or not one of their own to edit."""
    NOTHING_DONE = "nothing_done"
    """No editor could do any of it: the use is back."""
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ArtEditOutcome:
    status: ArtEditStatus
    tier: Tier
    category: Category | None = None
    """The kind of the image edited (what an UPGRADE names)."""
    image: StoredImage | None = None
    """The edited picture, as kept in the gallery (DONE)."""
    applied: tuple[Adjustment, ...] | None = None
    """What the local renderer changed; None when a model took the whole request."""
    not_done: tuple[str, ...] = ()
    """The parts of the request (the person's words) that could not be done."""
    failure: FailureKind | None = None
    resets_at: datetime | None = None
    """When the week's uses come back (LIMIT)."""
    remaining: int | None = None
    """This week's uses left after the edit (None: unlimited)."""


@dataclass(frozen=True, slots=True)
class ArtEditRequest:
    """What the person asked: the image, their words (cleaned: `clean_request`) and the
    image's caption (HTML) as its photo showed it (the edited photo gets the same)."""

    image_id: int
    words: str
    caption: str


def editable(image: StoredImage) -> bool:
    """A personal Cosmic Coach image: not the day's shared one, not a studio post's."""
    return not image.shared and image.post_id is None and image.category is not Category.STUDIO


@dataclass
class ArtEditing:
    cosmic: CosmicService
    """The tiers, the weekly uses, the person's lock, the images and their files."""
    edit_chain: EditChain

    async def own_editable(self, user_id: int, image_id: int) -> StoredImage | None:
        """The image, only if it is `user_id`'s and one of their own to edit."""
        image = await self.cosmic.images.owned(user_id, image_id)
        return image if image is not None and editable(image) else None

    async def usage_of(self, account: Account) -> UsageStatus:
        """The person's weekly uses (an edit takes one)."""
        return await self.cosmic.usage_of(account)

    async def queue_edit(
        self, account: Account, request: ArtEditRequest, key: str, queue: JobQueue, where: Where
    ) -> ArtEditOutcome:
        """The quick half: the image and the tier checked, the person's one-image-in-flight
        lock taken and one weekly use held (`key` once), then the job queued. QUEUED, or
        what stopped it (nothing is held then: a queue that cannot take the job gives the
        use back at once, FAILED)."""
        tier = self.cosmic.tier_of(account)
        image = await self.own_editable(account.user_id, request.image_id)
        if image is None:
            return ArtEditOutcome(ArtEditStatus.GONE, tier)
        if image.category not in POLICIES[tier].categories:
            return ArtEditOutcome(ArtEditStatus.UPGRADE, tier, image.category)
        if not await self.cosmic.locks.acquire(account.user_id):
            return ArtEditOutcome(ArtEditStatus.BUSY, tier)
        held_at = time.time()
        held = await self._hold(account.user_id, tier, image, key, where)
        if isinstance(held, ArtEditOutcome):
            await self.cosmic.locks.release(account.user_id)
            return held
        job = ArtEditJob(
            where,
            held.id,
            held.week,
            tier.value,
            held_at,
            image.id,
            request.words,
            request.caption,
        )

        async def release() -> ArtEditOutcome:
            await self.cosmic.abandon(held)
            return ArtEditOutcome(ArtEditStatus.FAILED, tier, failure=FailureKind.UNAVAILABLE)

        return await queue_or_release(queue, job, release) or ArtEditOutcome(
            ArtEditStatus.QUEUED, tier
        )

    async def _hold(
        self, user_id: int, tier: Tier, image: StoredImage, key: str, where: Where
    ) -> UseReservation | ArtEditOutcome:
        """One weekly use held for the edit, remembering the "editing…" message (where the
        sweeper tells the person if the run dies) and the image (what "Edit again" edits)."""
        clock = self.cosmic.clock
        use = await self.cosmic.usage.reserve(
            user_id,
            clock.week_start().isoformat(),
            image.category.value,
            f"cosmic-edit:{user_id}:{key}",
            POLICIES[tier].weekly_limit,
            Origin(where.chat_id, where.message_id),
            {EDIT_OF: image.id},
        )
        if use is None:
            return ArtEditOutcome(ArtEditStatus.LIMIT, tier, resets_at=clock.next_week_start())
        if use.duplicate:
            return ArtEditOutcome(ArtEditStatus.DUPLICATE, tier)
        return use

    async def finish_edit(self, job: ArtEditJob, deliver: DeliverImage) -> ArtEditOutcome | None:
        """The slow half, in the job: None when its use was settled already (a job
        delivered twice: nothing is left to do or say). The edit keeps the use's deadline;
        the person's lock is released whatever happens."""
        user_id = job.where.user_id
        use = UseReservation(job.use_id, user_id, job.week)
        if not await self.cosmic.held(use, job.held_at):
            return None
        try:
            return await self._edit(job, use, deliver)
        finally:
            await self.cosmic.locks.release(user_id)

    async def _edit(
        self, job: ArtEditJob, use: UseReservation, deliver: DeliverImage
    ) -> ArtEditOutcome:
        tier, records = Tier(job.tier), list[GenerationRecord]()
        kept: StoredImage | None = None
        try:
            original = await self._picture(use.user_id, job.image_id)
            png = await self.cosmic.image_png(original)
            left = max(job.held_at + self.cosmic.timeout - time.time(), 0.0)
            request = EditRequest(png, job.words, seed=use.id)
            edited = await edit_in_time(self.edit_chain, request, records, left)
            if edited.applied == ():
                await self._settle(use, records, keep=False)
                status = ArtEditStatus.NOTHING_DONE
                return ArtEditOutcome(status, tier, applied=(), not_done=edited.not_done)
            kept = await self._keep(original, job, use, edited)
            file_id = await deliver(ReadyImage(kept, edited.image.png, None))
        except Exception as error:
            logger.warning("edit of cosmic art for %s failed: %r", use.user_id, error)
            if kept is not None:  # never shown: not in the gallery either
                await self.cosmic.images.delete(kept.user_id, kept.id)
            await self._settle(use, records, keep=False)
            kind = error.kind if isinstance(error, GenerationError) else FailureKind.UNAVAILABLE
            return ArtEditOutcome(ArtEditStatus.FAILED, tier, failure=kind)
        # The picture is out: a lost database connection must not hand the job back to
        # send it again, so keeping the use is tried for a while.
        await patiently(
            lambda: self._settle(use, records, keep=True), f"keeping use {use.id}", errors=LOST
        )
        await self._remember_file_id(kept, file_id)
        return ArtEditOutcome(
            ArtEditStatus.DONE,
            tier,
            image=kept,
            applied=edited.applied,
            not_done=edited.not_done,
            remaining=await self._remaining(use, tier),
        )

    async def _picture(self, user_id: int, image_id: int) -> StoredImage:
        image = await self.own_editable(user_id, image_id)
        if image is None:
            raise GenerationError(FailureKind.INVALID, f"image {image_id} is gone")
        return image

    async def _keep(
        self, original: StoredImage, job: ArtEditJob, use: UseReservation, edited: EditedImage
    ) -> StoredImage:
        """The edited picture saved and added to the gallery as a new image (its buttons
        need its id before it is sent)."""
        path = await self.cosmic.media.save(
            f"cosmic/edits/{use.user_id}/{use.id}.png", edited.image.png
        )
        usage = edited.usage
        new = NewImage(
            user_id=use.user_id,
            params=original.params,
            prompt=f"edit: {job.words}",
            provider=usage.provider,
            model=usage.model,
            quality=original.quality,
            cost_usd=usage.cost_usd,
            path=path,
        )
        async with self.cosmic.db.transaction() as tx:
            return await ImageRepo.insert(tx, new)

    async def _settle(
        self, use: UseReservation, records: list[GenerationRecord], *, keep: bool
    ) -> None:
        """Keeps or gives back the use, with the provider calls, in one transaction
        (settling twice is settling once: the calls are written with the first)."""
        calls = [replace(record, user_id=use.user_id) for record in records]
        async with self.cosmic.db.transaction() as tx:
            if await self.cosmic.usage.settle(use, keep=keep, tx=tx):
                await GenerationRepo.insert_all(tx, calls)
            elif keep:
                logger.warning("edit %s ended after its use was swept: not counted", use.id)

    async def _remember_file_id(self, image: StoredImage, file_id: str | None) -> None:
        try:  # the picture is out: its file_id only saves the next upload
            if file_id:
                await self.cosmic.images.set_file_id(image.id, file_id)
        except Exception as error:  # noqa: BLE001 - never undo a delivered picture
            logger.warning("could not keep the file_id of image %s: %r", image.id, error)

    async def _remaining(self, use: UseReservation, tier: Tier) -> int | None:
        limit = POLICIES[tier].weekly_limit
        if limit is None:
            return None
        return max(0, limit - await self.cosmic.usage.used(use.user_id, use.week))
