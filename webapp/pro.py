"""Seed 000's studio endpoint, from the Mini App: the tokens held and the post queued, a job
id at once, then the job's state and its events (server-sent). The same reservation,
queue and refund rules as the chat: a worker makes the post (webapp/app_posts.py) and
writes its progress on the shared job board, so any web process can answer."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from enum import StrEnum
from functools import partial
from typing import Annotated, Literal

from aiogram.utils.i18n import I18n
from fastapi import APIRouter, Body, Header, Path, Query
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from services.generation.base import FailureKind
from services.studio.board import BoardJob
from services.studio.catalog import (
    AUDIENCE_NAMES,
    POST_TYPE_NAMES,
    Audience,
    PostType,
    UnknownChoice,
    parse_audience,
    parse_language,
    parse_post_type,
)
from services.studio.links import LinkProblem, check_referral_link
from services.studio.models import StoredPost
from services.studio.run import PostOutcome, PostStatus
from services.studio.service import Draft, StudioService
from ui.common.texts import insufficient_text, not_pro_text
from ui.studio.texts import outcome_problem
from webapp.app_actions import ActionResult
from webapp.app_posts import STOPPABLE_JOBS, AppPosts, PostResult
from webapp.auth import Caller
from webapp.deps import (
    AppPostsDep,
    BoardDep,
    CallerDep,
    I18nDep,
    QueueDep,
    SignerDep,
    StudioDep,
    WebDep,
)
from webapp.errors import (
    API_PREFIX,
    COMMON,
    FOUND,
    N_,
    ApiError,
    Problem,
    ProblemDetail,
    problem,
    problem_body,
)
from webapp.prefer import RESPOND_ASYNC, prefers_async
from webapp.signing import MediaSigner
from webapp.streams import SeatedStream
from webapp.texts import said

logger = logging.getLogger(__name__)
KEEPALIVE = 15.0
"""Seconds between SSE comments while a job is quiet (proxies close silent streams)."""

studio_router = APIRouter(prefix="/pro", tags=["studio"], responses=COMMON)
jobs_router = APIRouter(prefix="/jobs", tags=["studio"], responses=COMMON)
JOB_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")


SEED_EXAMPLE: dict[str, str] = {
    "post_type": "Lifestyle Flex",
    "target_audience": "Digital Nomads",
    "language": "English",
    "referral_link": "optional",
}
"""Seed 000's request, verbatim: clients are written from it."""
SEED_EXAMPLES = {"seed_000": Example(summary="Seed 000's request", value=SEED_EXAMPLE)}
NO_LINK = frozenset({"", "optional"})
"""What `referral_link` may say for "no link" (seed 000's example says "optional")."""


def _choice(parse: Callable[[str], StrEnum]) -> Callable[[object], object]:
    """A pydantic before-validator from one of the catalogue's parsers: its 422 names what
    is accepted."""

    def validate(value: object) -> object:
        if not isinstance(value, str):
            return value  # the enum's own check refuses it
        try:
            return parse(value)
        except UnknownChoice as unknown:
            accepted = ", ".join(unknown.accepted)
            raise PydanticCustomError(
                "choice", "one of {accepted}", {"accepted": accepted}
            ) from None

    return validate


def _choice_schema(names: Mapping[StrEnum, str], what: str) -> WithJsonSchema:
    spellings = ", ".join(f'"{name}" ({choice.value})' for choice, name in names.items())
    return WithJsonSchema(
        {
            "type": "string",
            "description": f"The {what}, by its English name or its key, in any case "
            f"(`_`, `-` and spaces alike): {spellings}.",
            "examples": list(names.values()),
        }
    )


PostTypeChoice = Annotated[
    PostType,
    BeforeValidator(_choice(parse_post_type)),
    _choice_schema(POST_TYPE_NAMES, "post type"),
]
AudienceChoice = Annotated[
    Audience,
    BeforeValidator(_choice(parse_audience)),
    _choice_schema(AUDIENCE_NAMES, "audience"),
]


class GenerateRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{**SEED_EXAMPLE}]})

    post_type: PostTypeChoice
    target_audience: AudienceChoice
    language: str = Field(
        default="en",
        min_length=2,
        max_length=40,
        description="The post's language: a code (`es`) or its English name (`Spanish`), "
        "any case; one the studio writes (a 422 lists them).",
    )
    referral_link: str | None = Field(
        default=None,
        max_length=200,
        description='An http(s) link for the post; none when absent, empty or "optional".',
    )

    @field_validator("referral_link")
    @classmethod
    def _http_link(cls, value: str | None) -> str | None:
        if value is None or value.strip().casefold() in NO_LINK:
            return None
        checked = check_referral_link(value)
        if isinstance(checked, LinkProblem):
            msg = "must be an http(s) link of at most 200 characters"
            raise ValueError(msg)
        return checked


class JobStarted(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    cost: int


class JobState(BaseModel):
    job_id: str
    status: Literal["queued", "writing", "text_ready", "image_ready", "done", "failed"]
    text: dict[str, object] | None = None
    """The post's text: as far as it is written while `writing`, whole from `text_ready`."""
    image_url: str | None = None
    action: Literal["rewrite", "variants", "edit", "four_k"] | None = None
    """An action on a delivered post (POST /api/pro/posts/{id}/...); None: a post."""
    result: PostResult | ActionResult | None = None
    """A post's (a new text's too), or an action's."""
    message: str | None = None
    refunded: bool = False
    stopped: bool = False


class GeneratedPost(PostResult):
    """Seed 000's response (`title`, `body`, `hashtags`, `image_prompt`, `image_url`,
    `tokens_remaining`), with the job's and the stored post's ids and a download link."""

    job_id: str


class PendingDetail(ProblemDetail):
    job_id: str
    """The job, still running: follow it at /api/jobs/{job_id} (also in `Location`)."""


class Pending(Problem):
    """A 504: the post was not made within the generation timeout, and is not lost."""

    error: PendingDetail


LOCATION = {
    "Location": {"description": "The job: /api/jobs/{job_id}", "schema": {"type": "string"}}
}
TRY_LATER = frozenset({None, FailureKind.UNAVAILABLE.value, FailureKind.RATE_LIMITED.value})
"""A failed job's `failure` answered 503 (try later); any other is 502."""


@studio_router.post(
    "/generate",
    response_model=GeneratedPost,
    responses={
        202: {
            "model": JobStarted,
            "description": "With `Prefer: respond-async`: queued; follow the job",
            "headers": {
                **LOCATION,
                "Preference-Applied": {"schema": {"type": "string", "enum": [RESPOND_ASYNC]}},
            },
        },
        **problem(402, "Not enough PRO tokens"),
        **problem(403, "Not a PRO partner"),
        **problem(409, "A post is being made already"),
        **problem(502, "The post could not be made (code: failed; the tokens were returned)"),
        **problem(
            503,
            "The generators are unavailable (code: failed) or the job could not be queued "
            "(code: unavailable); the tokens were returned",
        ),
        504: {
            "model": Pending,
            "description": "Not made within GENERATION_TIMEOUT (code: pending): it still "
            "runs; follow `error.job_id`",
            "headers": LOCATION,
        },
    },
)
async def pro_generate(
    body: Annotated[GenerateRequest, Body(openapi_examples=SEED_EXAMPLES)],
    who: CallerDep,
    studio: StudioDep,
    i18n: I18nDep,
    queue: QueueDep,
    board: BoardDep,
    app_posts: AppPostsDep,
    prefer: Annotated[list[str] | None, Header(description="`respond-async`: 202 at once")] = None,
) -> GeneratedPost | JSONResponse:
    """Holds the tokens and queues the post, then answers with the finished post (seed 000),
    or, with `Prefer: respond-async`, 202 with the job at once: follow it at
    /api/jobs/{id}/events (any web process answers: the job board is shared)."""
    account = who.account
    language = _language(body.language, studio)
    if not account.is_pro:
        text = said(i18n, who.locale, not_pro_text, account.balance)
        raise ApiError(403, text, "not_pro", translated=True)
    if account.balance < studio.cost:
        text = said(i18n, who.locale, insufficient_text, account.balance, studio.cost)
        raise ApiError(402, text, "insufficient", translated=True)
    draft = Draft(body.post_type, body.target_audience, language, body.referral_link)
    started, job_id = await studio.queue_app_post(account, draft, who.locale, queue, board)
    if started.status is PostStatus.FAILED:  # the queue is unreachable: nothing stays held
        text = said(i18n, who.locale, outcome_problem, started, studio.cost)
        raise ApiError(503, text, "unavailable", translated=True)
    if started.status is not PostStatus.QUEUED:
        raise _refused(studio, i18n, who, started)
    if prefers_async(prefer or ()):
        headers = {"Location": _location(job_id), "Preference-Applied": RESPOND_ASYNC}
        started_job = JobStarted(job_id=job_id, cost=studio.cost)
        return JSONResponse(started_job.model_dump(), status_code=202, headers=headers)
    return await _made(app_posts, i18n, who, job_id)


def _location(job_id: str) -> str:
    return f"{API_PREFIX}{jobs_router.prefix}/{job_id}"


async def _made(
    app_posts: AppPosts, i18n: I18n, who: Caller, job_id: str
) -> GeneratedPost | JSONResponse:
    """The queued post once made; the job's failure (its tokens returned) as an error; a
    504 naming the job when it outlives the generation timeout. A client that leaves
    meanwhile loses nothing: the job runs on its own."""
    end = await app_posts.ended(job_id, who.locale)
    if end is None:
        url = _location(job_id)
        message = i18n.gettext(
            N_("Your post is taking longer than usual: follow it at {url}."), locale=who.locale
        ).format(url=url)
        body = problem_body(504, message, "pending")
        body["error"]["job_id"] = job_id
        return JSONResponse(body, status_code=504, headers={"Location": url})
    if end["status"] == "done":
        return GeneratedPost.model_validate({**end["result"], "job_id": job_id})
    status = 503 if end.get("failure") in TRY_LATER else 502
    raise ApiError(status, str(end["message"]), "failed", translated=True)


def _language(value: str, studio: StudioService) -> str:
    try:
        return parse_language(value, studio.languages)
    except UnknownChoice as unknown:
        languages = ", ".join(unknown.accepted)
        raise ApiError(
            422, N_("language: one of {languages}"), params={"languages": languages}
        ) from None


def _refused(studio: StudioService, i18n: I18n, who: Caller, outcome: PostOutcome) -> ApiError:
    if outcome.status is PostStatus.BUSY:
        return ApiError(409, N_("Your last post is still being made: one moment."), "busy")
    text = said(i18n, who.locale, outcome_problem, outcome, studio.cost)
    if outcome.status is PostStatus.INSUFFICIENT:
        return ApiError(402, text, "insufficient", translated=True)
    return ApiError(403, text, "not_pro", translated=True)


async def _job(app_posts: AppPosts, who: Caller, job_id: str) -> BoardJob:
    job = await app_posts.job(job_id, who.user_id, who.locale)
    if job is None:
        raise ApiError(404, N_("No such job of yours (jobs are kept for an hour)."))
    return job


@jobs_router.get("/{job_id}", responses=FOUND)
async def job_state(
    app_posts: AppPostsDep, who: CallerDep, job_id: Annotated[str, JOB_ID]
) -> JobState:
    job = await _job(app_posts, who, job_id)
    text = job.latest("text_ready") or job.latest("writing")
    image = job.latest("image_ready")
    done = job.latest("done")
    failed = job.latest("failed") or {}
    action = job.action
    shape = PostResult if action in STOPPABLE_JOBS else ActionResult
    return JobState(
        job_id=job.id,
        status=job.status,
        text=text["text"] if text else None,
        image_url=image["image_url"] if image else None,
        action=action,
        result=shape.model_validate(done["result"]) if done else None,
        message=failed.get("message"),
        refunded=bool(failed.get("refunded")),
        stopped=bool(failed.get("stopped")),
    )


class Stopping(BaseModel):
    job_id: str
    stopping: Literal[True] = True


@jobs_router.post(
    "/{job_id}/stop",
    status_code=202,
    responses={
        **FOUND,
        **problem(
            409,
            "The job has ended already (code: ended), or is an action that runs to its end "
            "(code: not_stoppable)",
        ),
    },
)
async def stop_job(
    app_posts: AppPostsDep, who: CallerDep, job_id: Annotated[str, JOB_ID]
) -> Stopping:
    """Stops the owner's job before its post is shown, wherever it runs: its events end
    with `failed`, `stopped` and `refunded` true (the tokens back once). 409 when it has
    ended already (a post shown stays)."""
    job = await _job(app_posts, who, job_id)
    if not app_posts.stoppable(job):
        message = N_("This cannot be stopped: it finishes on its own in a moment.")
        raise ApiError(409, message, "not_stoppable")
    if not await app_posts.stop(job):
        raise ApiError(409, N_("This post is finished already: nothing to stop."), "ended")
    return Stopping(job_id=job.id)


@jobs_router.get(
    "/{job_id}/events",
    responses={**FOUND, 200: {"content": {"text/event-stream": {}}, "description": "SSE"}},
    response_class=StreamingResponse,
)
async def job_events(
    web: WebDep, app_posts: AppPostsDep, who: CallerDep, job_id: Annotated[str, JOB_ID]
) -> StreamingResponse:
    """Server-sent events, one per state, from the first: `event: <status>` with JSON; a
    comment every KEEPALIVE seconds while nothing happens. A person may follow
    `SSE_PER_USER` streams at once on a process, a job `SSE_PER_JOB` (else 429)."""
    await _job(app_posts, who, job_id)
    settings = web.settings
    web.streams.take(who.user_id, job_id, settings.sse_per_user, settings.sse_per_job)

    async def stream() -> AsyncIterator[str]:
        events = app_posts.follow(job_id, who.locale, KEEPALIVE)
        async with contextlib.aclosing(events):
            async for event in events:
                if event is None:
                    yield ": waiting\n\n"
                    continue
                data = json.dumps(event, ensure_ascii=False)
                yield f"event: {event['status']}\ndata: {data}\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return SeatedStream(
        stream(),
        partial(web.streams.give_back, who.user_id, job_id),
        media_type="text/event-stream",
        headers=headers,
    )


class PostSummary(BaseModel):
    post_id: int
    title: str
    body: str
    hashtags: list[str]
    post_type: str
    audience: str
    language: str
    image_id: int | None
    image_url: str | None
    thumb_url: str | None
    download_url: str | None


@studio_router.get("/posts")
async def pro_posts(
    who: CallerDep,
    studio: StudioDep,
    signer: SignerDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[PostSummary]:
    """The partner's finished posts, newest first."""
    posts = await studio.recent_posts(who.user_id, limit, offset)
    return [await _summary(studio, signer, who, post) for post in posts]


async def _summary(
    studio: StudioService, signer: MediaSigner, who: Caller, post: StoredPost
) -> PostSummary:
    image = await studio.post_image(who.user_id, post.id)
    url = signer.url(who.user_id, image.id) if image else None
    return PostSummary(
        post_id=post.id,
        title=post.title or "",
        body=post.body or "",
        hashtags=list(post.hashtags),
        post_type=post.post_type,
        audience=post.audience,
        language=post.language,
        image_id=image.id if image else None,
        image_url=url,
        thumb_url=signer.thumb_url(who.user_id, image.id) if image else None,
        download_url=f"{url}&download=1" if url else None,
    )
