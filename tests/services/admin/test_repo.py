"""The admins' figures come from one query per fact (services/admin/report_repo.py): /report and an
admin's /balance show the same cost per model, /report and /stats the same categories and
today's images and cost. The clock is the suite's fixed one (tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from services.admin.costs import CostReport, per_model
from services.admin.report_repo import ModelUsage, ReportRepo
from services.admin.reports import Reports
from services.admin.stats import Stats
from services.core.account_repo import AccountRepo
from services.core.categories import Params
from services.core.image_repo import ImageRepo, NewImage
from services.core.models import GenerationRecord
from services.cosmic.kinds import AvatarParams, DailyParams, MatchParams, MoonParams
from services.generation.generation_repo import GenerationRepo
from services.infra.clock import Clock
from services.infra.db import Database
from services.sharing.event_repo import EventRepo

USER = 7
CLOCK = Clock(ZoneInfo("Europe/Berlin"))


def call(
    kind: str, provider: str, model: str, cost: float, status: str = "ok"
) -> GenerationRecord:
    return GenerationRecord(USER, kind, provider, model, "prompt", status, 900, cost_usd=cost)


async def record(db: Database, *records: GenerationRecord) -> None:
    async with db.transaction() as tx:
        await GenerationRepo.insert_all(tx, list(records))


SAMPLE_PARAMS: dict[str, Params] = {
    "daily": DailyParams("leo"),
    "match": MatchParams("leo", "virgo"),
    "moon": MoonParams(),
    "avatar": AvatarParams("leo", "leo", "leo"),
}


async def paint(db: Database, category: str, shared: bool = False) -> None:
    params = SAMPLE_PARAMS[category]
    image = NewImage(USER, params, "p", "local", "m", "standard", 0.0, "x.png", shared=shared)
    async with db.transaction() as tx:
        await ImageRepo.insert(tx, image)


@pytest.fixture
async def made(db: Database, clock: time_machine.Coordinates) -> Database:
    """A month-old call (outside every window below) and today's calls."""
    await AccountRepo(db).get_or_create(USER, "en")
    now = CLOCK.now()
    clock.move_to(now - timedelta(days=40))
    await record(db, call("image", "openai", "gpt-image-2", 5.0))
    clock.move_to(now)
    await record(
        db,
        call("image", "google", "gemini-2.5-flash-image", 0.0387),
        call("image", "google", "gemini-2.5-flash-image", 0.0, status="failed"),
        call("text", "openai", "gpt-4.1-mini", 0.0002),
        call("prompt", "openai", "gpt-4.1-mini", 0.0002),
        call("image", "openai", "gpt-image-2", 0.19),
        call("image", "local", "poster", 0.0),
    )
    return db


async def test_cost_by_model_counts_every_call_of_the_window_dearest_first(made: Database):
    rows = await ReportRepo(made).cost_by_model(CLOCK.now().timestamp() - 86_400)
    assert [(r.kind, r.provider, r.model, r.calls, r.succeeded) for r in rows] == [
        ("image", "openai", "gpt-image-2", 1, 1),
        ("image", "google", "gemini-2.5-flash-image", 2, 1),
        ("prompt", "openai", "gpt-4.1-mini", 1, 1),
        ("text", "openai", "gpt-4.1-mini", 1, 1),
        ("image", "local", "poster", 1, 1),
    ]
    assert [r.cost_usd for r in rows] == pytest.approx([0.19, 0.0387, 0.0002, 0.0002, 0.0])


async def test_report_and_balance_show_the_same_cost_per_model(made: Database):
    repo = ReportRepo(made)
    report = await Reports(repo, EventRepo(made), CLOCK).build(7)
    summary = await CostReport(repo).summary(7)
    assert report.by_model == per_model(summary.by_model)
    assert [(name, calls) for name, calls, _ in report.by_model] == [
        ("openai:gpt-image-2", 1),
        ("google:gemini-2.5-flash-image", 2),
        ("openai:gpt-4.1-mini", 2),  # its text and prompt calls together
        ("local:poster", 1),
    ]
    assert report.cost == pytest.approx(summary.cost_usd) == pytest.approx(0.2291)
    assert (summary.calls, summary.succeeded) == (6, 5)
    month = await CostReport(repo).summary(60)  # the old call is counted once it is in
    assert month.cost_usd == pytest.approx(5.2291) and month.calls == 7


def test_per_model_adds_the_kinds_of_a_model_up():
    rows = [
        ModelUsage("text", "openai", "gpt-4.1-mini", 2, 2, 0.001),
        ModelUsage("image", "google", "flash", 1, 1, 0.002),
        ModelUsage("prompt", "openai", "gpt-4.1-mini", 3, 1, 0.0015),
    ]
    assert per_model(rows) == [("openai:gpt-4.1-mini", 5, 0.0025), ("google:flash", 1, 0.002)]


async def test_report_and_stats_count_categories_images_and_cost_alike(made: Database):
    for category in ("match", "daily", "match", "moon"):
        await paint(made, category)
    await paint(made, "daily", shared=True)  # a pushed daily is not a personal image
    repo, events = ReportRepo(made), EventRepo(made)
    report = await Reports(repo, events, CLOCK).build(1)
    board = await Stats(repo, events, CLOCK).dashboard()
    assert report.by_category == board.categories_week == {"match": 2, "daily": 1, "moon": 1}
    assert list(board.categories_week) == ["match", "daily", "moon"]  # the most made first
    assert report.images == board.images_today == 3  # the failed call is no image
    assert report.cost == pytest.approx(board.cost_today) == pytest.approx(0.2291)
