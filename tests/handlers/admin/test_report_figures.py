"""What admins read in /report, /balance and /stats agrees: each figure comes from one
query (services/admin/report_repo.py)."""

from __future__ import annotations

from services.core.image_repo import ImageRepo, NewImage
from services.core.models import GenerationRecord
from services.cosmic.kinds import MatchParams, MoonParams
from services.generation.generation_repo import GenerationRepo
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver


def call(kind: str, provider: str, model: str, status: str, cost: float) -> GenerationRecord:
    return GenerationRecord(PARTNER_ID, kind, provider, model, "p", status, 800, cost_usd=cost)


async def test_report_and_balance_show_the_same_cost_per_model(driver: Driver):
    records = [
        call("image", "google", "gemini-2.5-flash-image", "ok", 0.0387),
        call("text", "openai", "gpt-4.1-mini", "ok", 0.0004),
        call("prompt", "openai", "gpt-4.1-mini", "failed", 0.0),
    ]
    async with driver.app.services.db.transaction() as tx:
        await GenerationRepo.insert_all(tx, records)
    await driver.send(ADMIN_ID, "/report 7")
    report = driver.texts(ADMIN_ID)[-1]
    assert "• google:gemini-2.5-flash-image: 1 · $0.0387" in report
    assert "• openai:gpt-4.1-mini: 2 · $0.0004" in report  # its text and prompt calls
    await driver.send(ADMIN_ID, "/balance")
    balance = driver.texts(ADMIN_ID)[-1]
    assert "Last 7 d: $0.0391 for 3 calls (2 succeeded)" in balance
    assert "image · google:gemini-2.5-flash-image: $0.0387 · 1/1" in balance
    assert "text · openai:gpt-4.1-mini: $0.0004 · 1/1" in balance
    assert "prompt · openai:gpt-4.1-mini: $0.0000 · 0/1" in balance


async def test_report_and_stats_count_the_same_categories(driver: Driver):
    await driver.send(PARTNER_ID, "/start")
    async with driver.app.services.db.transaction() as tx:
        for params in (MatchParams("leo", "virgo"), MoonParams(), MatchParams("aries", "leo")):
            image = NewImage(PARTNER_ID, params, "p", "local", "m", "standard", 0.0, "x")
            await ImageRepo.insert(tx, image)
    await driver.send(ADMIN_ID, "/report 7")
    assert "By category: match 2, moon 1" in driver.texts(ADMIN_ID)[-1]
    await driver.send(ADMIN_ID, "/stats")
    assert "This week by category: match: 2, moon: 1" in driver.texts(ADMIN_ID)[-1]
