"""The jobs themselves, registered on the broker (bot/jobs/broker.py): a studio post and a Cosmic
Coach image, each for a hold the handler made. The same code runs in a worker process
(Redis) and in the process that queued it (no Redis).

Idempotent: the job looks at its hold first. Held → the work is done (again, if an earlier
delivery of this job died part-way: its run never settled); committed or refunded → there
is nothing left to do and nothing is said. The job is acknowledged only once it has ended;
one that fails unexpectedly or is stopped is handed back unacknowledged, so another worker
finishes it (the sweeper refunds a hold only past its deadline plus SWEEP_MARGIN).

The one window for a second photo: a worker that dies after Telegram accepted the photo
and before the commit (the full post's text messages, the last progress edit, storing the
file and one transaction: milliseconds) leaves the hold held, and the job delivered again
makes the post once more. Outside that window the person gets exactly one photo."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.utils.i18n import I18n
from taskiq import Context, TaskiqDepends

from bot.jobs.batch import run_batch
from bot.jobs.broadcast import run_broadcast
from bot.jobs.broker import UNFINISHED, HeldStreamBroker, JobQueue
from bot.jobs.cosmic_edit import finish_art_edit
from bot.jobs.cosmic_image import finish_art
from bot.jobs.four_k import send_four_k
from bot.jobs.observed import JobObserver
from bot.jobs.picture_edit import finish_edit
from bot.jobs.studio_post import finish_post
from bot.jobs.studio_variants import finish_variants
from bot.logs import JOB
from services.admin.jobs import BatchJob, BroadcastJob
from services.admin.service import AdminService
from services.core.broadcast import Broadcaster
from services.cosmic.batch import NightlyBatch
from services.cosmic.editing import ArtEditing, ArtEditOutcome, ArtEditStatus
from services.cosmic.jobs import ArtEditJob, ArtJob
from services.cosmic.service import CosmicOutcome, CosmicService, CosmicStatus
from services.studio.editing import EditOutcome, EditStatus, PictureEditing
from services.studio.four_k import FourKOutcome, FourKService, FourKStatus
from services.studio.jobs import (
    AppActionJob,
    AppPostJob,
    EditJob,
    FourKJob,
    PostJob,
    VariantsJob,
)
from services.studio.service import PostOutcome, PostStatus, StudioService
from services.studio.variants import Variants, VariantsOutcome
from ui.common.drafts import DraftPace
from webapp.app_actions import AppActions
from webapp.app_posts import AppPosts

logger = logging.getLogger(__name__)

JobRun = Callable[[datetime], Awaitable[str]]
"""The work of one of the scheduler's jobs for the period of a time (its summary back)."""

JOB_CONTEXT: Context = TaskiqDepends()
"""Taskiq hands the running job's message (and its acknowledgement) to this parameter."""


@dataclass(frozen=True)
class JobRunner:
    """What a job needs: the bot (to edit and send), the languages, the conversation
    state (a post from the wizard closes or reopens its draft) and the services."""

    bot: Bot
    i18n: I18n
    storage: BaseStorage
    studio: StudioService
    cosmic: CosmicService
    app_posts: AppPosts
    admin: AdminService
    broadcaster: Broadcaster
    batch: NightlyBatch
    scheduled: Mapping[str, JobRun]
    """The work of the scheduler's queued jobs, by name (bot/duties/scheduled.py)."""
    four_k: FourKService
    app_url: str | None = None
    """The Mini App's URL for the post's "Open in app" button (None: no button)."""
    more_pictures: Variants | None = None
    """The studio's "more pictures" (None: not offered by this process's wiring)."""
    pace: DraftPace | None = None
    """How fast a post's text, or an image's reading, may be shown as it grows (None: only
    when done)."""
    editing: PictureEditing | None = None
    """Edits of a post's picture (None: no such jobs are taken)."""
    art_editing: ArtEditing | None = None
    """Edits of a Cosmic Coach image (None: no such jobs are taken)."""
    app_actions: AppActions | None = None
    """The Mini App's actions on a delivered post (None: no such jobs are taken)."""

    async def post(self, data: dict[str, Any]) -> str:
        job = _parsed(PostJob.from_json, data)
        where = job.where
        key = StorageKey(bot_id=self.bot.id, chat_id=where.chat_id, user_id=where.user_id)
        with self.i18n.context(), self.i18n.use_locale(where.locale):
            outcome = await finish_post(
                job,
                self.bot,
                self.studio,
                FSMContext(self.storage, key) if job.wizard else None,
                self.app_url,
                self.pace,
            )
        return _ended(outcome)

    async def variants(self, data: dict[str, Any]) -> str:
        job = _parsed(VariantsJob.from_json, data)
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            outcome = await finish_variants(job, self.bot, self.more_pictures)
        return _ended(outcome)

    async def picture_edit(self, data: dict[str, Any]) -> str:
        job = _parsed(EditJob.from_json, data)
        if self.editing is None:
            raise RejectedJobError("picture edits are not wired in this process")
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            outcome = await finish_edit(job, self.bot, self.editing, self.app_url)
        return _ended(outcome)

    async def art(self, data: dict[str, Any]) -> str:
        job = _parsed(ArtJob.from_json, data)
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            outcome = await finish_art(job, self.bot, self.cosmic, self.pace)
        return _ended(outcome)

    async def art_edit(self, data: dict[str, Any]) -> str:
        job = _parsed(ArtEditJob.from_json, data)
        if self.art_editing is None:
            raise RejectedJobError("edits of Cosmic Coach images are not wired in this process")
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            outcome = await finish_art_edit(job, self.bot, self.art_editing)
        return _ended(outcome)

    async def app_post(self, data: dict[str, Any]) -> str:
        job = _parsed(AppPostJob.from_json, data)
        outcome = await self.app_posts.make(job)
        return _ended(outcome)

    async def app_action(self, data: dict[str, Any]) -> str:
        job = _parsed(AppActionJob.from_json, data)
        if self.app_actions is None:
            raise RejectedJobError("the Mini App's post actions are not wired in this process")
        return _ended(await self.app_actions.make(job))

    async def four_k_picture(self, data: dict[str, Any]) -> str:
        job = _parsed(FourKJob.from_json, data)
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            outcome = await send_four_k(job, self.bot, self.four_k)
        return _ended(outcome)

    async def broadcast(self, data: dict[str, Any]) -> str:
        job = _parsed(BroadcastJob.from_json, data)
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            await run_broadcast(job, self.bot, self.admin, self.broadcaster)
        return "done"

    async def batch_run(self, data: dict[str, Any]) -> str:
        job = _parsed(BatchJob.from_json, data)
        with self.i18n.context(), self.i18n.use_locale(job.where.locale):
            await run_batch(job, self.bot, self.batch, self.admin)
        return "done"

    async def scheduled_run(self, data: dict[str, Any]) -> str:
        """A scheduled job: its summary (what the scheduler records in process)."""
        try:
            work, at = self.scheduled[data["job"]], datetime.fromisoformat(data["at"])
            until = datetime.fromisoformat(data["until"])
        except (TypeError, KeyError, ValueError) as error:
            raise RejectedJobError(repr(error)) from error
        if datetime.now(UTC) > until:  # queued, then stuck past its catch-up window
            logger.warning("scheduled job %s for %s is too late: skipped", data["job"], at)
            return "skipped"
        token = JOB.set(data["job"])  # its log lines name the scheduler's job
        try:
            summary = await work(at)
        finally:
            JOB.reset(token)
        logger.info("scheduled job %s for %s: %s", data["job"], data["at"], summary)
        return summary


def _ended(
    outcome: PostOutcome
    | CosmicOutcome
    | VariantsOutcome
    | EditOutcome
    | FourKOutcome
    | ArtEditOutcome
    | None,
) -> str:
    """A generation job's outcome label: None means its hold was settled already."""
    if outcome is None:
        return "skipped"
    done = (
        PostStatus.DONE,
        CosmicStatus.DONE,
        EditStatus.DONE,
        FourKStatus.DONE,
        ArtEditStatus.DONE,
    )
    return "done" if outcome.status in done else "failed"


OUTCOMES = frozenset({"done", "failed", "skipped", *UNFINISHED})
"""The `outcome` label of bot_jobs_finished_total (a scheduled job's summary counts as done)."""

_Job = TypeVar(
    "_Job",
    PostJob,
    ArtJob,
    AppPostJob,
    AppActionJob,
    BroadcastJob,
    BatchJob,
    VariantsJob,
    EditJob,
    FourKJob,
    ArtEditJob,
)


class RejectedJobError(Exception):
    """A message that is no job of ours (or of an older shape): acknowledged, not retried."""


def _parsed(parse: Callable[[dict[str, Any]], _Job], data: dict[str, Any]) -> _Job:
    try:
        return parse(data)
    except (TypeError, KeyError, ValueError) as error:
        raise RejectedJobError(repr(error)) from error


async def run_job(
    queue: JobQueue,
    kind: str,
    work: Any,
    data: dict[str, Any],
    queued: float,
    context: Any,
    *,
    retry_errors: bool = True,
) -> str:
    """One job, acknowledged when it ended (done, failed and refunded, or nothing left),
    handed back when it was stopped, and when it raised if `retry_errors` (a post or an
    image: its hold's deadline bounds the retries; the admin's and the scheduler's jobs
    have none, so an error ends them); its metrics and log context are those of
    bot/jobs/observed.py. Returns what the work
    returned (a scheduled job's summary), or how it did not end (UNFINISHED)."""
    me = asyncio.current_task()
    if me is not None:
        queue.running.add(me)
    outcome = "error"
    labels = context.message.labels
    try:
        # On Redis this worker adopts the job's hold first: one a live run owns, or one
        # settled already, leaves nothing to do here.
        outcome = await work(data) if await queue.adopted(labels) else "skipped"
    except RejectedJobError as error:
        outcome = "rejected"
        logger.error("%s job %s rejected: %s", kind, context.message.task_id, error)
    except asyncio.CancelledError:  # the worker stops: another one finishes it
        outcome = "handed_back"
        logger.warning("%s job %s stopped: handed back", kind, context.message.task_id)
    except Exception:
        told = "handed back" if retry_errors else "not retried"
        logger.exception("%s job %s failed: %s", kind, context.message.task_id, told)
        outcome = "error" if retry_errors else "failed"
    finally:
        queue.running.discard(me)
    await queue.ended(context.message.task_id, outcome, labels)
    if outcome not in ("error", "handed_back") and context.is_ackable:  # done, or never
        await context.ack()
    if isinstance(queue.broker, HeldStreamBroker):
        queue.broker.forget(context.message.task_id)
    return outcome


def register_jobs(queue: JobQueue, runner: JobRunner) -> None:
    """The jobs, by kind and by name (the name travels in the message: keep it stable)."""
    jobs: dict[str, tuple[str, Work, bool]] = {  # kind: name, work, retried on an error
        "post": ("studio.post", runner.post, True),
        "art": ("cosmic.art", runner.art, True),
        "app_post": ("studio.app_post", runner.app_post, True),
        "variants": ("studio.variants", runner.variants, True),
        "picture_edit": ("studio.picture_edit", runner.picture_edit, True),
        "four_k": ("studio.four_k", runner.four_k_picture, True),
        "art_edit": ("cosmic.art_edit", runner.art_edit, True),
        "app_action": ("studio.app_action", runner.app_action, True),
        "broadcast": ("admin.broadcast", runner.broadcast, False),
        "batch": ("admin.batch", runner.batch_run, False),
        "scheduled": ("scheduler.job", runner.scheduled_run, False),
    }
    for kind, (name, work, retried) in jobs.items():
        task = _task(queue, kind, work, retried)
        queue.register(kind, queue.broker.register_task(task, name, ack_type="manual"))
    kinds = {name: kind for kind, (name, _, _) in jobs.items()}
    queue.broker.add_middlewares(JobObserver(kinds, OUTCOMES))


Work = Callable[[dict[str, Any]], Awaitable[str]]


def _task(queue: JobQueue, kind: str, work: Work, retried: bool) -> Callable[..., Awaitable[str]]:
    async def task(job: dict[str, Any], queued: float, context: Context = JOB_CONTEXT) -> str:
        return await run_job(queue, kind, work, job, queued, context, retry_errors=retried)

    return task
