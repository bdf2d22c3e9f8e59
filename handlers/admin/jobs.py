"""The admins' long operations as jobs of the queue (bot/jobs/runner.py runs them in a `python -m
bot worker`, or in this process without Redis): a confirmed /broadcast and /batch. The
handler only queues them, so an update is answered at once and no handler holds the
person's event lock (60 s) through a run of minutes."""

from __future__ import annotations

from aiogram import Bot

from handlers.admin.operations import batch_text, progress_shower, progress_text, sender
from handlers.common.jobs import BatchJob, BroadcastJob
from services.admin.service import AdminService
from services.core.broadcast import Broadcaster, BroadcastReport
from services.cosmic.batch import BatchReport, NightlyBatch


async def run_broadcast(
    job: BroadcastJob, bot: Bot, admin: AdminService, broadcaster: Broadcaster
) -> BroadcastReport:
    recipients = await admin.audience(job.segment) or []
    data = {"text": job.text, "copy": list(job.copy) if job.copy else None}
    queued = progress_text(BroadcastReport(total=len(recipients)))  # what the handler showed
    return await broadcaster.run(
        job.campaign,
        recipients,
        sender(bot, data, paid=broadcaster.paid),
        on_progress=progress_shower(job.where.message(bot), queued),
    )


async def run_batch(
    job: BatchJob, bot: Bot, batch: NightlyBatch, admin: AdminService
) -> BatchReport:
    report = await batch.run()
    await admin.audit(job.actor_id, "batch", report.summary())
    await bot.send_message(job.where.chat_id, batch_text(report))
    return report
