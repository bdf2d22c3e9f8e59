"""Two bot processes send one daily push at once (two built apps on one PostgreSQL and one
Redis, over real HTTP against the Bot API stand-in): each sign's picture is uploaded once
in total, not once per process, and every subscriber gets their picture once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Settings
from services.cosmic.astro import SIGNS
from tests.databases import DatabaseUnderTest, database_for
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram

SUBSCRIBERS = [7000 + n for n in range(240)]  # 20 a sign


@pytest.fixture
def postgresql(tmp_path: Path) -> Iterator[DatabaseUnderTest]:
    yield from database_for("postgresql", tmp_path)


@pytest.fixture
def telegram() -> FakeTelegram:
    fake = FakeTelegram()
    for user_id in SUBSCRIBERS:
        fake.add_user(user_id, f"User{user_id}")
    return fake


@pytest.fixture
async def senders(
    server: BotAPIServer, postgresql: DatabaseUnderTest, redis_url: str, tmp_path: Path
) -> AsyncIterator[tuple[App, App]]:
    settings = Settings(
        _env_file=None,
        bot_token="123456:TEST-token",
        telegram_api_base=server.base_url,
        database_url=postgresql.url,
        database_schema=postgresql.schema,
        media_dir=tmp_path / "media",  # shared, as the processes' volume is
        redis_url=redis_url,
        broadcast_rate=200,  # ~1.2 s for everyone: both senders take part
        allow_paid_broadcast=True,
        scheduler_enabled=False,
    )
    apps = [await build_app(settings) for _ in range(2)]
    yield apps[0], apps[1]
    for app in apps:
        await app.close(grace=1)


async def test_two_senders_upload_each_sign_once_and_serve_everyone_once(
    senders: tuple[App, App], telegram: FakeTelegram
):
    first, second = senders
    services = first.services
    for n, user_id in enumerate(SUBSCRIBERS):
        await services.accounts.get_or_create(user_id, "en")
        await services.subscriptions.subscribe(user_id, SIGNS[n % 12].key, 8)
    today = datetime.now(UTC).date()
    await services.batch.run(today)  # the night before: the 12 pictures painted
    at = datetime.combine(today, clock_time(8, 30), tzinfo=UTC)  # everyone's hour has come

    reports = await asyncio.gather(first.push.run(at), second.push.run(at))

    assert sum(r.sent for r in reports) == len(SUBSCRIBERS)
    assert all(r.sent > 0 for r in reports), "one process sent everything: no race tested"
    photos = telegram.sent("sendPhoto")
    uploads = [c for c in photos if not isinstance(c.params["photo"], str)]
    assert len(uploads) == 12
    assert len(photos) - len(uploads) == len(SUBSCRIBERS) - 12  # every other by file_id
    received = {u: sum(1 for m in telegram.chat_messages(u) if m.photo) for u in SUBSCRIBERS}
    assert received == dict.fromkeys(SUBSCRIBERS, 1)
    assert telegram.errors == []
