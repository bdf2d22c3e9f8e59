"""Running the business from the chat (admins only): /report with a chart, /batch, and
/broadcast with a confirm step and a live progress message."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.common.callbacks import BroadcastCallback
from handlers.common.filters import AdminFilter
from handlers.common.states import BroadcastForm
from services.admin.chart import report_chart
from services.admin.reports import Report, Reports
from services.core.broadcast import Broadcaster, BroadcastReport
from services.core.schedules import ScheduleRepo
from services.cosmic.batch import BatchReport, NightlyBatch
from services.cosmic.service import CosmicService

MAX_DAYS = 90


def report_text(report: Report) -> str:
    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    lines = [
        _("<b>Report</b> {start} – {end} ({days} d)").format(
            start=report.start, end=report.end, days=report.days
        ),
        _("Images: {images} · posts: {posts} · cost: ${cost:.2f}").format(
            images=report.images, posts=report.posts, cost=report.cost
        ),
        _(
            "Per image: ${image:.4f} · per post: ${post:.4f} · monthly estimate: ${month:.2f}"
        ).format(
            image=report.cost_per_image, post=report.cost_per_post, month=report.monthly_estimate
        ),
        _("Tokens granted: {granted} · spent: {spent}").format(
            granted=report.tokens_granted, spent=report.tokens_spent
        ),
        _("Success: {rate} · p50 {p50} ms · p95 {p95} ms · cache hits: {hits}").format(
            rate=percent(report.success_rate),
            p50=report.p50_ms or "—",
            p95=report.p95_ms or "—",
            hits=percent(report.cache_hit_rate),
        ),
        _(
            "KPIs: {images:.1f} images/day · {shares:.1f} shares/day · {viral:.1f} viral/week · "
            "{active} of paying users made art this week · {conversions} free→paid"
        ).format(
            images=report.images_per_day,
            shares=report.shares_per_day,
            viral=report.viral_per_week,
            active=percent(report.paying_active_share),
            conversions=report.conversions,
        ),
    ]
    if report.by_category:
        categories = ", ".join(f"{name} {count}" for name, count in report.by_category.items())
        lines.append(_("By category: {list}").format(list=categories))
    lines += [f"• {name}: {calls} · ${cost:.4f}" for name, calls, cost in report.by_model[:8]]
    return "\n".join(lines)


async def send_report(
    bot: Bot, chat_id: int, reports: Reports, cosmic: CosmicService, days: int
) -> None:
    report = await reports.build(days, await cosmic.cache_stats())
    chart = report_chart(report.daily, f"{report.start} – {report.end}")
    await bot.send_photo(
        chat_id,
        BufferedInputFile(chart, "report.png"),
        caption=_("Daily cost (bars) and generations (line)"),
    )
    await bot.send_message(chat_id, report_text(report))


async def command_report(
    message: Message, command: CommandObject, bot: Bot, reports: Reports, cosmic: CosmicService
) -> None:
    args = (command.args or "7").strip()
    if not args.isdigit() or not 1 <= int(args) <= MAX_DAYS:
        await message.answer(_("Usage: /report [days], 1 to {max}").format(max=MAX_DAYS))
        return
    await send_report(bot, message.chat.id, reports, cosmic, int(args))


def batch_text(report: BatchReport) -> str:
    return _(
        "Batch {day}: ✅ {success} painted · ♻️ {cached} cached · ❌ {failed} failed · "
        "{horoscopes} horoscopes · ${cost:.4f} · {seconds:.1f} s"
    ).format(
        day=report.day,
        success=report.success,
        cached=report.cached,
        failed=report.failed,
        horoscopes=report.horoscopes,
        cost=report.cost_usd,
        seconds=report.seconds,
    )


async def command_batch(message: Message, batch: NightlyBatch, schedules: ScheduleRepo) -> None:
    await message.answer(_("Running today's batch…"))
    report = await batch.run()
    actor = message.from_user.id if message.from_user else 0
    await schedules.audit(actor, "batch", report.summary())
    await message.answer(batch_text(report))


async def command_broadcast(
    message: Message, command: CommandObject, state: FSMContext, bot: Bot, schedules: ScheduleRepo
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
    recipients = await schedules.audience(segment)
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


async def process_broadcast(
    query: CallbackQuery,
    callback_data: BroadcastCallback,
    state: FSMContext,
    bot: Bot,
    schedules: ScheduleRepo,
    broadcaster: Broadcaster,
) -> None:
    await query.answer()
    data = await state.get_data()
    await state.clear()
    message = query.message
    if not isinstance(message, Message) or not data:
        return
    if not callback_data.confirm:
        await message.edit_text(_("Broadcast cancelled."))
        return
    recipients = await schedules.audience(data["segment"]) or []
    await schedules.audit(
        query.from_user.id, "broadcast", f"{data['campaign']} {data['segment']} {len(recipients)}"
    )

    async def send(user_id: int) -> None:
        if data["copy"]:
            await bot.copy_message(
                user_id,
                data["copy"][0],
                data["copy"][1],
                allow_paid_broadcast=broadcaster.paid or None,
            )
        else:
            await bot.send_message(
                user_id,
                escape(data["text"]),
                allow_paid_broadcast=broadcaster.paid or None,
            )

    shown: list[str] = []

    async def progress(report: BroadcastReport) -> None:
        text = progress_text(report)
        if not shown or shown[-1] != text:
            shown.append(text)
            await message.edit_text(text)

    await broadcaster.run(data["campaign"], recipients, send, on_progress=progress)


def progress_text(report: BroadcastReport) -> str:
    eta = report.eta_seconds
    return _(
        "Broadcast: {done} / {total} · sent {sent} · failed {failed} · blocked {blocked}"
        " · ETA {eta}"
    ).format(
        done=report.done,
        total=report.total,
        sent=report.sent,
        failed=report.failed,
        blocked=report.blocked,
        eta="—" if eta is None else f"{eta:.0f} s",
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(AdminFilter())
    router.callback_query.filter(AdminFilter())
    router.message.register(command_report, Command("report"))
    router.message.register(command_batch, Command("batch"))
    router.message.register(command_broadcast, Command("broadcast"))
    router.callback_query.register(
        process_broadcast, BroadcastForm.confirming, BroadcastCallback.filter()
    )
    return router
