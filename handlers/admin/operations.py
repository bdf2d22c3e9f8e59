"""Running the business from the chat (admins only): /report with a chart, /batch, and
/broadcast with a confirm step and a live progress message (the last two run as jobs of
the queue: handlers/admin/jobs.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.common.filters import AdminFilter
from handlers.common.states import BroadcastForm
from services.admin.jobs import BatchJob, BroadcastJob
from services.admin.reports import Reports
from services.admin.service import AdminService
from services.core.broadcast import BroadcastReport
from services.core.jobs import JobQueue
from services.cosmic.service import CosmicService
from ui.admin.callbacks import BroadcastCallback
from ui.admin.reporting import send_report
from ui.admin.texts import progress_text
from ui.common.chat import where_of

logger = logging.getLogger(__name__)

MAX_DAYS = 90


async def command_report(
    message: Message, command: CommandObject, bot: Bot, reports: Reports, cosmic: CosmicService
) -> None:
    args = (command.args or "7").strip()
    if not args.isdigit() or not 1 <= int(args) <= MAX_DAYS:
        await message.answer(_("Usage: /report [days], 1 to {max}").format(max=MAX_DAYS))
        return
    await send_report(bot, message.chat.id, reports, cosmic, int(args))


async def command_batch(message: Message, jobs: JobQueue) -> None:
    actor = message.from_user.id if message.from_user else 0
    job = BatchJob(where_of(message, actor, get_i18n().current_locale), actor)
    if await queued(message, jobs.enqueue(job)):
        await message.answer(_("Running today's batch…"))


async def command_broadcast(
    message: Message, command: CommandObject, state: FSMContext, admin: AdminService
) -> None:
    segment, _sep, text = (command.args or "").partition(" ")
    reply = message.reply_to_message
    if not segment or (not text.strip() and reply is None):
        await message.answer(
            _(
                "Usage: /broadcast all|tier:&lt;tier&gt;|sign:&lt;sign&gt;|"
                "lang:&lt;code&gt; text — or reply to a message with "
                "/broadcast &lt;segment&gt;"
            )
        )
        return
    recipients = await admin.audience(segment)
    if recipients is None:
        await message.answer(_("Unknown segment {segment}.").format(segment=segment))
        return
    await state.set_state(BroadcastForm.confirming)
    await state.set_data(
        {
            "segment": segment,
            "text": text.strip(),
            "copy": [reply.chat.id, reply.message_id]
            if reply is not None and not text.strip()
            else None,
            "campaign": f"broadcast:{message.chat.id}:{message.message_id}",
        }
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Send"), callback_data=BroadcastCallback(confirm=True))
    builder.button(text=_("✖️ Cancel"), callback_data=BroadcastCallback(confirm=False))
    await message.answer(
        _("Send this to {count} users ({segment})?").format(
            count=len(recipients), segment=segment
        ),
        reply_markup=builder.as_markup(),
    )


async def process_broadcast_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    data = await state.get_data()
    await state.clear()
    if isinstance(query.message, Message) and data:
        await query.message.edit_text(_("Broadcast cancelled."))


async def process_broadcast_send(
    query: CallbackQuery,
    state: FSMContext,
    admin: AdminService,
    jobs: JobQueue,
) -> None:
    await query.answer()
    data = await state.get_data()
    await state.clear()
    if not isinstance(query.message, Message) or not data:
        return
    recipients = await admin.audience(data["segment"]) or []
    detail = f"{data['campaign']} {data['segment']} {len(recipients)}"
    await admin.audit(query.from_user.id, "broadcast", detail)
    copy = data["copy"]
    job = BroadcastJob(
        where_of(query.message, query.from_user.id, get_i18n().current_locale),
        data["campaign"],
        data["segment"],
        data["text"],
        (copy[0], copy[1]) if copy else None,
    )
    await query.message.edit_text(progress_text(BroadcastReport(total=len(recipients))))
    await queued(query.message, jobs.enqueue(job))


async def queued(message: Message, kick: Awaitable[None]) -> bool:
    """Queues a job; tells the admin when the queue cannot be reached."""
    try:
        await kick
    except Exception:  # Redis is down: nothing was started
        logger.exception("could not queue an admin job")
        await message.answer(
            _("The job queue cannot be reached: nothing was started. Try again in a minute.")
        )
        return False
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(AdminFilter())
    router.callback_query.filter(AdminFilter())
    router.message.register(command_report, Command("report"))
    router.message.register(command_batch, Command("batch"))
    router.message.register(command_broadcast, Command("broadcast"))
    router.callback_query.register(
        process_broadcast_send, BroadcastForm.confirming, BroadcastCallback.filter(F.confirm)
    )
    router.callback_query.register(
        process_broadcast_cancel, BroadcastForm.confirming, BroadcastCallback.filter(~F.confirm)
    )
    return router
