"""Seed 000's studio endpoint, from the Mini App: a job id at once, then the job's state
and its events (server-sent). The same reservation and refund rules as the chat: the post
is made by StudioService.create_post."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from bot.app import App
from handlers.common.texts import insufficient_text, not_pro_text
from handlers.studio.post import outcome_problem
from services.studio.catalog import Audience, PostType
from services.studio.links import LinkProblem, check_referral_link
from services.studio.models import PostText, StoredPost
from services.studio.run import PostOutcome, PostStatus, ReadyPost
from services.studio.service import Draft, new_draft_key
from webapp.auth import AppDep, Caller, CallerDep
from webapp.errors import COMMON, FOUND, N_, ApiError, problem
from webapp.jobs import Job, JobRegistry
from webapp.media import signer_of
from webapp.texts import said

pro_router = APIRouter(prefix="/api", tags=["studio"], responses=COMMON)
JOB_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")


class GenerateRequest(BaseModel):
    post_type: PostType
    target_audience: Audience
    language: str = Field(default="en", min_length=2, max_length=5, pattern=r"^[a-z]{2}$")
    referral_link: str | None = Field(default=None, max_length=200, pattern=r"^(https?://\S+)?$")

    @field_validator("referral_link")
    @classmethod
    def _http_link(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
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


class PostResult(BaseModel):
    post_id: int
    title: str
    body: str
    hashtags: list[str]
    image_prompt: str
    image_url: str | None
    download_url: str | None
    tokens_remaining: int


class JobState(BaseModel):
    job_id: str
    status: Literal["queued", "text_ready", "image_ready", "done", "failed"]
    text: dict[str, object] | None = None
    image_url: str | None = None
    result: PostResult | None = None
    message: str | None = None
    refunded: bool = False


@pro_router.post(
    "/pro/generate",
    status_code=202,
    responses={
        **problem(402, "Not enough PRO tokens"),
        **problem(403, "Not a PRO partner"),
        **problem(409, "A post is being made already"),
    },
)
async def pro_generate(
    body: GenerateRequest, who: CallerDep, app: AppDep, request: Request
) -> JobStarted:
    """Starts a post: the job id comes back at once; follow it at /api/jobs/{id}/events."""
    studio = app.services.studio
    account, i18n = who.account, app.i18n
    if body.language not in studio.languages:
        raise ApiError(
            422,
            N_("language: one of {languages}"),
            params={"languages": ", ".join(studio.languages)},
        )
    if not account.is_pro:
        text = said(i18n, who.locale, not_pro_text, account.balance)
        raise ApiError(403, text, "not_pro", translated=True)
    if account.balance < studio.cost:
        text = said(i18n, who.locale, insufficient_text, account.balance, studio.cost)
        raise ApiError(402, text, "insufficient", translated=True)
    registry: JobRegistry = request.app.state.jobs
    if registry.running_for(who.user_id) is not None:
        raise ApiError(409, N_("Your last post is still being made: one moment."), "busy")
    draft = Draft(body.post_type, body.target_audience, body.language, body.referral_link)
    job = registry.new(who.user_id)
    registry.start(who.user_id, _make(app, who, draft, job), job)
    return JobStarted(job_id=job.id, cost=studio.cost)


async def _make(app: App, who: Caller, draft: Draft, job: Job) -> None:
    signer = signer_of(app)

    async def on_progress(progress: object) -> None:
        text = getattr(progress, "text", None)
        if isinstance(text, PostText) and job.text is None:
            job.text = _text(text)
            job.emit("text_ready", text=job.text)

    async def deliver(ready: ReadyPost) -> str | None:
        if job.text is None:
            job.text = _text(ready.text)
            job.emit("text_ready", text=job.text)
        job.image_png = ready.image_png
        job.image_url = signer.job_url(who.user_id, job.id)
        job.emit("image_ready", image_url=job.image_url)
        return None

    studio = app.services.studio
    outcome = await studio.create_post(who.account, draft, new_draft_key(), on_progress, deliver)
    if outcome.status is PostStatus.DONE and outcome.post_id is not None:
        result = await _result(app, who, outcome)
        job.result = result.model_dump()
        job.emit("done", result=job.result)
        return
    job.refunded = outcome.status is PostStatus.FAILED
    message = said(app.i18n, who.locale, outcome_problem, outcome, studio.cost)
    job.message = message
    job.emit("failed", message=message, refunded=job.refunded, tokens_remaining=outcome.balance)


def _text(text: PostText) -> dict[str, object]:
    return {"title": text.title, "body": text.body, "hashtags": list(text.hashtags)}


async def _result(app: App, who: Caller, outcome: PostOutcome) -> PostResult:
    assert outcome.post_id is not None and outcome.text is not None
    studio = app.services.studio
    image = await studio.post_image(who.user_id, outcome.post_id)
    signer = signer_of(app)
    text = outcome.text
    return PostResult(
        post_id=outcome.post_id,
        title=text.title,
        body=text.body,
        hashtags=list(text.hashtags),
        image_prompt=image.prompt if image else "",
        image_url=signer.url(who.user_id, image.id) if image else None,
        download_url=signer.url(who.user_id, image.id) + "&download=1" if image else None,
        tokens_remaining=outcome.balance,
    )


def _job(request: Request, who: Caller, job_id: str) -> Job:
    registry: JobRegistry = request.app.state.jobs
    job = registry.get(who.user_id, job_id)
    if job is None:
        raise ApiError(404, N_("No such job of yours (jobs are kept for an hour)."))
    return job


@pro_router.get("/jobs/{job_id}", responses=FOUND)
async def job_state(request: Request, who: CallerDep, job_id: Annotated[str, JOB_ID]) -> JobState:
    job = _job(request, who, job_id)
    return JobState(
        job_id=job.id,
        status=job.status,
        text=job.text,
        image_url=job.image_url,
        result=PostResult.model_validate(job.result) if job.result else None,
        message=job.message,
        refunded=job.refunded,
    )


@pro_router.get(
    "/jobs/{job_id}/events",
    responses={**FOUND, 200: {"content": {"text/event-stream": {}}, "description": "SSE"}},
    response_class=StreamingResponse,
)
async def job_events(
    request: Request, who: CallerDep, job_id: Annotated[str, JOB_ID]
) -> StreamingResponse:
    """Server-sent events, one per state, from the first: `event: <status>` with JSON."""
    job = _job(request, who, job_id)

    async def stream() -> AsyncIterator[str]:
        async for event in job.follow():
            yield f"event: {event['status']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


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
    download_url: str | None


@pro_router.get("/pro/posts")
async def pro_posts(
    who: CallerDep,
    app: AppDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[PostSummary]:
    """The partner's finished posts, newest first."""
    studio = app.services.studio
    posts = []
    for post_id in await app.services.posts.recent_ids(who.user_id, limit, offset):
        post = await studio.own_post(who.user_id, post_id)
        if post is not None:
            posts.append(await _summary(app, who, post))
    return posts


async def _summary(app: App, who: Caller, post: StoredPost) -> PostSummary:
    image = await app.services.studio.post_image(who.user_id, post.id)
    url = signer_of(app).url(who.user_id, image.id) if image else None
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
        download_url=f"{url}&download=1" if url else None,
    )
