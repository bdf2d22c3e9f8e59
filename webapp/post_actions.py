"""A delivered post's actions from the Mini App, as the chat has them under the post: a new
text for its picture, more pictures (and picking one), an edit of its picture in words,
and its picture at 4K. Each is a job at once (202, followed at /api/jobs/{id} and its
events, like POST /api/pro/generate with `Prefer: respond-async`), at the chat's price;
the same `Idempotency-Key` again answers with the same job and charges nothing more."""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.utils.i18n import I18n
from fastapi import APIRouter, Body, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

from services.core.jobs import JobQueue
from services.generation.editing import MAX_REQUEST_LENGTH, clean_request
from services.studio.drafts import Action
from services.studio.post_actions import ActionStarted, PostActions, Started
from ui.common.texts import not_pro_text
from webapp.auth import Caller
from webapp.deps import CallerDep, I18nDep, PostActionsDep, QueueDep, SignerDep
from webapp.errors import API_PREFIX, COMMON, N_, ApiError, problem
from webapp.pro import LOCATION, jobs_router
from webapp.texts import said

post_actions_router = APIRouter(prefix="/pro/posts", tags=["studio"], responses=COMMON)

PostId = Annotated[int, Path(ge=1, le=2**62, description="A done post of the caller's")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="Any printable ASCII, at most 100 characters: the same key again "
        "answers with the same job (charged once)",
    ),
]
RAW_REQUEST_LIMIT = 1000
"""Characters an edit request may have as sent (it is then cleaned and capped)."""


class ActionJob(BaseModel):
    """The action's job: follow it at /api/jobs/{job_id} (also in `Location`)."""

    job_id: str
    status: Literal["queued"] = "queued"
    action: Literal["rewrite", "variants", "edit", "four_k"]
    post_id: int
    cost: int
    """Tokens held for it (0: a free 4K picture)."""
    tokens_remaining: int
    repeated: bool = False
    """True: this idempotency key's job, started before (nothing more was held)."""


class EditBody(BaseModel):
    request: str = Field(
        min_length=1,
        max_length=RAW_REQUEST_LIMIT,
        description="What to change in the picture, in words (at most "
        f"{RAW_REQUEST_LIMIT} characters; control characters are dropped and the rest cut "
        f"to {MAX_REQUEST_LENGTH}, between words). It reaches the models as data.",
        examples=["more purple, fewer stars"],
    )

    @field_validator("request")
    @classmethod
    def _words(cls, value: str) -> str:
        cleaned = clean_request(value)
        if not cleaned:
            msg = "must say in words what to change"
            raise ValueError(msg)
        return cleaned


class PictureChosen(BaseModel):
    post_id: int
    image_id: int
    image_url: str
    """The post's picture now (its cards and shares are made from it)."""
    thumb_url: str


STARTED = {
    202: {
        "model": ActionJob,
        "description": "Queued (or, with an `Idempotency-Key` seen before, the same job "
        "again): follow the job",
        "headers": LOCATION,
    },
    **problem(402, "Not enough PRO tokens (code: insufficient)"),
    **problem(403, "Not a PRO partner (code: not_pro)"),
    **problem(404, "No such done post of yours"),
    **problem(409, "Another job of yours (or this post's 4K picture) is running (code: busy)"),
    **problem(503, "The job could not be queued; nothing was taken (code: unavailable)"),
}


async def _start(
    i18n: I18n,
    actions: PostActions,
    queue: JobQueue,
    who: Caller,
    action: Action,
    post_id: int,
    key: str | None,
    words: str = "",
) -> JSONResponse:
    started = await actions.start(
        who.account, action, post_id, who.locale, queue, key=key, words=words
    )
    if started.status not in (Started.QUEUED, Started.AGAIN):
        raise _refused(started, who, i18n)
    body = ActionJob(
        job_id=started.job_id,
        action=action.value,
        post_id=post_id,
        cost=started.cost,
        tokens_remaining=started.balance,
        repeated=started.status is Started.AGAIN,
    )
    location = f"{API_PREFIX}{jobs_router.prefix}/{started.job_id}"
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": location})


def _refused(started: ActionStarted, who: Caller, i18n: I18n) -> ApiError:
    if started.status is Started.GONE:
        return ApiError(404, N_("No such post of yours."))
    if started.status is Started.NOT_PRO:
        text = said(i18n, who.locale, not_pro_text, who.account.balance)
        return ApiError(403, text, "not_pro", translated=True)
    if started.status is Started.INSUFFICIENT:
        params = {"cost": started.cost, "balance": started.balance}
        message = N_("This costs {cost} tokens and you have {balance}.")
        return ApiError(402, message, "insufficient", params=params)
    if started.status is Started.BUSY:
        return ApiError(409, N_("Still working on your last request: one moment."), "busy")
    return ApiError(
        503, N_("The queue is unavailable right now: nothing was taken."), "unavailable"
    )


@post_actions_router.post(
    "/{post_id:int}/text", status_code=202, response_class=JSONResponse, responses=STARTED
)
async def post_new_text(
    post_id: PostId,
    who: CallerDep,
    i18n: I18nDep,
    actions: PostActionsDep,
    queue: QueueDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """📝 New text: a new text for the post's picture (the picture is kept), at the chat's
    price. The job is a post's: `writing`, `text_ready`, `image_ready`, then `done` with
    the new post (a new `post_id`) or `failed` (refunded once); it may be stopped."""
    return await _start(i18n, actions, queue, who, Action.REWRITE, post_id, idempotency_key)


@post_actions_router.post(
    "/{post_id:int}/pictures", status_code=202, response_class=JSONResponse, responses=STARTED
)
async def post_more_pictures(
    post_id: PostId,
    who: CallerDep,
    i18n: I18nDep,
    actions: PostActionsDep,
    queue: QueueDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """🖼 More pictures: new pictures from the post's own prompt, each at the chat's price,
    held together; a token back for each one not painted. `done`'s result lists them
    (`pictures`: `image_id`, `image_url`, `thumb_url`), each now in the gallery."""
    return await _start(i18n, actions, queue, who, Action.VARIANTS, post_id, idempotency_key)


@post_actions_router.post(
    "/{post_id:int}/pictures/{image_id:int}/use",
    responses={**problem(404, "No such done post or picture of yours")},
)
async def use_picture(
    post_id: PostId,
    image_id: Annotated[int, Path(ge=1, le=2**62)],
    who: CallerDep,
    actions: PostActionsDep,
    signer: SignerDep,
) -> PictureChosen:
    """Makes one of the caller's pictures (one of "more pictures") the post's picture: the
    gallery's entry of the post, its share cards and its downloads show it from now on."""
    if not await actions.pick(who.user_id, post_id, image_id):
        raise ApiError(404, N_("No such post or picture of yours."))
    return PictureChosen(
        post_id=post_id,
        image_id=image_id,
        image_url=signer.url(who.user_id, image_id),
        thumb_url=signer.thumb_url(who.user_id, image_id),
    )


@post_actions_router.post(
    "/{post_id:int}/edit", status_code=202, response_class=JSONResponse, responses=STARTED
)
async def post_edit_picture(
    post_id: PostId,
    body: Annotated[EditBody, Body()],
    who: CallerDep,
    i18n: I18nDep,
    actions: PostActionsDep,
    queue: QueueDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """✏️ Edit picture: the post's newest picture changed as the request says, at the
    chat's price. `done`'s result has the edited picture (`image_url`) and `not_done`
    (what the local renderer could not do); nothing done at all is `failed`, refunded."""
    words = body.request
    return await _start(i18n, actions, queue, who, Action.EDIT, post_id, idempotency_key, words)


@post_actions_router.post(
    "/{post_id:int}/4k", status_code=202, response_class=JSONResponse, responses=STARTED
)
async def post_four_k(
    post_id: PostId,
    who: CallerDep,
    i18n: I18nDep,
    actions: PostActionsDep,
    queue: QueueDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """🖥 4K: the post's picture at 3840 x 2160 (free when the price is 0). `done`'s result
    has `download_url`: the PNG, as an attachment, signed and expiring."""
    return await _start(i18n, actions, queue, who, Action.FOUR_K, post_id, idempotency_key)
