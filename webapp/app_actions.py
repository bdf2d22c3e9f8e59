"""The jobs of a delivered post's actions started from the Mini App (services/studio/
post_actions.py): more pictures, an edit of its picture, its picture at 4K. Each runs the
chat's own service (the same holds, commits and refunds) and tells the job board how it
went, in the person's language: "done" with an `ActionResult`, or "failed" (with
`refunded`). A new text is a Mini App post job (webapp/app_posts.py).

Idempotent as the chat's jobs: a hold settled already means nothing is left to do (a board
job whose run died before telling is told as interrupted by its readers once stale)."""

from __future__ import annotations

from typing import Literal

from aiogram.utils.i18n import I18n
from pydantic import BaseModel

from services.studio.board import JobBoard
from services.studio.drafts import Action
from services.studio.editing import EditOutcome, EditStatus, EditWork, PictureEditing, ReadyEdit
from services.studio.four_k import FourKOutcome, FourKPicture, FourKService, FourKStatus, FourKWork
from services.studio.jobs import AppActionJob
from services.studio.post_actions import PostActions
from services.studio.run import PostOutcome, PostStatus
from services.studio.variants import NewPicture, Variants, VariantsOutcome
from ui.studio.editing import edit_result_text
from ui.studio.four_k import four_k_caption, four_k_failure
from ui.studio.texts import outcome_problem, variants_text
from webapp.signing import MediaSigner
from webapp.texts import said

ActionOutcome = VariantsOutcome | EditOutcome | FourKOutcome


class PictureOut(BaseModel):
    image_id: int
    image_url: str
    """Signed, expiring: the picture at its size."""
    thumb_url: str


class ActionResult(BaseModel):
    """How an action on a delivered post ended well (the "done" event's `result`)."""

    action: Literal["variants", "edit", "four_k"]
    post_id: int
    message: str
    """What the chat would say, as plain text in the caller's language."""
    tokens_remaining: int | None
    """None: a free 4K picture (nothing moved)."""
    spent: int
    given_back: int = 0
    """Tokens back for pictures that could not be painted."""
    pictures: list[PictureOut] = []
    """More pictures: each with its id for POST .../pictures/{image_id}/use."""
    image_id: int | None = None
    image_url: str | None = None
    """An edit: the edited picture (a new image of the gallery, belonging to the post)."""
    not_done: list[str] = []
    """An edit: the parts of the request that could not be done."""
    download_url: str | None = None
    """4K: the PNG (3840 x 2160), as an attachment."""
    enlarged: bool = False
    """4K: enlarged from a smaller picture rather than drawn or painted at 4K."""


class AppActions:
    """Runs the Mini App's post actions and tells the board how each one goes."""

    def __init__(
        self,
        actions: PostActions,
        *,
        variants: Variants,
        editing: PictureEditing,
        four_k: FourKService,
        board: JobBoard,
        signer: MediaSigner,
        i18n: I18n,
    ) -> None:
        self.actions = actions
        self._variants, self._editing, self._four_k = variants, editing, four_k
        self._board, self._signer, self._i18n = board, signer, i18n

    async def make(self, job: AppActionJob) -> ActionOutcome | None:
        """The job's work; None when its hold was settled already (nothing left to do)."""
        action = Action(job.action)
        if action is Action.VARIANTS:
            outcome: ActionOutcome | None = await self._pictures(job)
        elif action is Action.EDIT:
            outcome = await self._edit(job)
        else:
            outcome = await self._picture_4k(job)
        return outcome  # None: readers settle the board once it is stale (webapp/app_posts.py)

    async def _pictures(self, job: AppActionJob) -> VariantsOutcome | None:
        assert job.reservation_id is not None  # pictures are never free

        async def shown(pictures: list[NewPicture]) -> list[str | None]:
            return [None] * len(pictures)  # the app shows them from the gallery

        outcome = await self._variants.make(
            job.user_id, job.post_id, job.reservation_id, job.held_at, shown
        )
        if outcome is None:
            return None
        price = self._variants.price
        if outcome.status is not PostStatus.DONE:
            told = PostOutcome(outcome.status, outcome.balance, failure=outcome.failure)
            message = said(self._i18n, job.locale, outcome_problem, told, price)
            await self._fail(job, message, outcome.balance)
            return outcome
        pictures = [
            PictureOut(
                image_id=image.id,
                image_url=self._signer.url(job.user_id, image.id),
                thumb_url=self._signer.thumb_url(job.user_id, image.id),
            )
            for image in outcome.images
        ]
        count, balance = len(pictures), outcome.balance
        message = said(
            self._i18n,
            job.locale,
            variants_text,
            count,
            outcome.spent,
            outcome.given_back,
            balance,
        )
        result = ActionResult(
            action=Action.VARIANTS.value,
            post_id=job.post_id,
            message=message,
            tokens_remaining=balance,
            spent=outcome.spent,
            given_back=outcome.given_back,
            pictures=pictures,
        )
        await self._done(job, result)
        return outcome

    async def _edit(self, job: AppActionJob) -> EditOutcome | None:
        assert job.reservation_id is not None  # an edit is never free

        async def kept(ready: ReadyEdit) -> str | None:
            return None  # the app shows it from the gallery

        work = EditWork(job.user_id, job.reservation_id, job.held_at, job.post_id, job.words)
        outcome = await self._editing.finish(work, kept)
        if outcome is None:
            return None
        cost = self._editing.cost
        message = said(self._i18n, job.locale, edit_result_text, outcome, job.words, cost)
        if outcome.status is not EditStatus.DONE:
            await self._fail(job, message, outcome.balance)
            return outcome
        image = await self._editing.latest_picture(job.user_id, job.post_id)
        result = ActionResult(
            action=Action.EDIT.value,
            post_id=job.post_id,
            message=message,
            tokens_remaining=outcome.balance,
            spent=cost,
            image_id=image.id if image else None,
            image_url=self._signer.url(job.user_id, image.id) if image else None,
            not_done=list(outcome.not_done),
        )
        await self._done(job, result)
        return outcome

    async def _picture_4k(self, job: AppActionJob) -> FourKOutcome | None:
        delivered: list[FourKPicture] = []

        async def keep(picture: FourKPicture) -> None:
            await self.actions.keep_four_k(job.user_id, job.job_id, picture.png)
            delivered.append(picture)

        work = FourKWork(job.user_id, job.post_id, job.queued_at, job.lock, job.reservation_id)
        outcome = await self._four_k.make_picture(work, keep)
        if outcome is None:
            return None
        if outcome.status is not FourKStatus.DONE or not delivered:
            message = said(self._i18n, job.locale, four_k_failure, outcome)
            await self._fail(job, message, outcome.balance, refunded=bool(outcome.cost))
            return outcome
        picture = delivered[0]
        shown = FourKPicture(
            picture.post_id, picture.title, b"", picture.enlarged, outcome.cost, outcome.balance
        )
        result = ActionResult(
            action=Action.FOUR_K.value,
            post_id=job.post_id,
            message=said(self._i18n, job.locale, four_k_caption, shown),
            tokens_remaining=outcome.balance,
            spent=outcome.cost,
            download_url=self._signer.four_k_url(job.user_id, job.job_id),
            enlarged=picture.enlarged,
        )
        await self._done(job, result)
        return outcome

    async def _done(self, job: AppActionJob, result: ActionResult) -> None:
        await self._board.emit(job.job_id, {"status": "done", "result": result.model_dump()})

    async def _fail(
        self, job: AppActionJob, message: str, balance: int | None, *, refunded: bool = True
    ) -> None:
        event = {
            "status": "failed",
            "message": message,
            "refunded": refunded,
            "tokens_remaining": balance,
            "failure": None,
            "stopped": False,
        }
        await self._board.emit(job.job_id, event)
