"""The admins' report: a chart of the daily cost and generations, then the figures. Sent
by /report and by the weekly job (bot/duties/scheduled.py)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import gettext as _

from services.admin.chart import report_chart
from services.admin.reports import Report, Reports
from services.cosmic.service import CosmicService


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
