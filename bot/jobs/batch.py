"""The job of an admin's /batch (services/admin/jobs.py `BatchJob`): today's images and
horoscopes (what is made already is reused), then the report to the admin's chat."""

from __future__ import annotations

from aiogram import Bot

from services.admin.jobs import BatchJob
from services.admin.service import AdminService
from services.cosmic.batch import BatchReport, NightlyBatch
from ui.admin.texts import batch_text


async def run_batch(
    job: BatchJob, bot: Bot, batch: NightlyBatch, admin: AdminService
) -> BatchReport:
    report = await batch.run()
    await admin.audit(job.actor_id, "batch", report.summary())
    await bot.send_message(job.where.chat_id, batch_text(report))
    return report
