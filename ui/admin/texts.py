"""The admins' operations in words: a /batch's report and a /broadcast's progress."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from services.core.broadcast import BroadcastReport
from services.cosmic.batch import BatchReport


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
