from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
import time_machine
from aiogram.types import Update
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.app import App, build_app
from bot.config import Settings
from bot.warmup import freeze_heap, warm_up
from bot.worker import consume
from services.core.account_repo import AccountRepo
from services.core.ledger_repo import LedgerRepo
from services.generation.base import ImageGenerator
from services.generation.pricing import DEFAULT_PRICES_FILE
from services.infra.db import Database
from services.studio.models import TextGenerator
from tests.databases import BACKENDS, DatabaseUnderTest, database_for
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.session import FakeTelegramSession
from tests.fakes.telegram import FakeTelegram, StoredMessage

DEFAULT_NOW = datetime(2026, 6, 17, 11, 0, tzinfo=UTC)
"""Where every test's clock starts (a Wednesday, far from any week, month or year edge),
so the suite passes whatever the real date and time of day. A test picks another moment
with `@pytest.mark.clock(datetime(...))` or moves on with `clock.move_to(...)`."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clock(moment): the aware datetime the clock starts at")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once every test module is imported: the models warmed up and the heap frozen, as a
    serving process does (bot/warmup.py), so the collector stops walking it again and
    again (~0.25 s a full collection)."""
    warm_up()
    freeze_heap()


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Coordinates]:
    """Wall-clock time (time.time, datetime.now) as the test sets it; it keeps ticking, and
    monotonic time (asyncio's timers) is untouched. Processes a test starts keep real time."""
    marker = request.node.get_closest_marker("clock")
    moment = marker.args[0] if marker else DEFAULT_NOW
    with time_machine.travel(moment, tick=True) as traveller:
        yield traveller


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseUnderTest]:
    """The database of one test: SQLite, then (a second run of the test) PostgreSQL."""
    yield from database_for(request.param, tmp_path)


@pytest.fixture
async def db(database: DatabaseUnderTest) -> AsyncIterator[Database]:
    opened = Database(database.url, schema=database.schema)
    await opened.connect()
    yield opened
    await opened.close()


@pytest.fixture
def accounts(db: Database) -> AccountRepo:
    return AccountRepo(db)


@pytest.fixture
def ledger_repo(db: Database) -> LedgerRepo:
    return LedgerRepo(db)


ADMIN_ID = 1
PARTNER_ID = 1001


@pytest.fixture
def settings(tmp_path: Path, database: DatabaseUnderTest) -> Settings:
    return Settings(
        bot_token="123456:TEST-token",
        database_url=database.url,
        database_schema=database.schema,
        media_dir=tmp_path / "media",
        admin_ids=str(ADMIN_ID),
        redis_url=None,
        # The scripted users act at machine speed (dozens of presses in milliseconds, no
        # person does that): the flood limit at its defaults has tests of its own.
        flood_burst=100_000,
        # The local writer tells a post at once (tests of streaming set a pace of their own).
        local_writer_pace=0,
        _env_file=None,
    )


@pytest.fixture
async def server(telegram: FakeTelegram) -> AsyncIterator[BotAPIServer]:
    """The strict Bot API stand-in over real HTTP, for bots run as their own processes."""
    stand_in = BotAPIServer(telegram)
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
def telegram() -> FakeTelegram:
    fake = FakeTelegram()
    fake.add_user(ADMIN_ID, "Admin")
    fake.add_user(PARTNER_ID, "Pat")
    return fake


class Driver:
    """Plays users: each action becomes an Update fed through the real dispatcher."""

    def __init__(self, app: App, telegram: FakeTelegram) -> None:
        self.app = app
        self.telegram = telegram

    async def feed(self, update: dict) -> None:
        bot = self.app.bot
        await self.app.dispatcher.feed_update(
            bot, Update.model_validate(update, context={"bot": bot})
        )
        await self.app.queue.wait()  # the generation jobs it queued (in process) have ended

    async def send(self, user_id: int, text: str) -> None:
        await self.feed(self.telegram.message_update(user_id, text))

    async def press(self, user_id: int, label: str, message: StoredMessage | None = None) -> None:
        message = message or self.telegram.last_with_buttons(user_id)
        await self.feed(self.telegram.press(user_id, message, label))

    async def make_pro(self, user_id: int = PARTNER_ID) -> None:
        await self.app.services.ledger.set_pro(
            user_id, True, actor_id=ADMIN_ID, key=f"pro:{user_id}"
        )

    async def balance(self, user_id: int = PARTNER_ID) -> int:
        account = await self.app.services.accounts.get(user_id)
        return account.balance if account else 0

    def texts(self, user_id: int) -> list[str]:
        return [m.visible for m in self.telegram.chat_messages(user_id)]

    def alerts(self) -> list[str]:
        return [c.params.get("text", "") for c in self.telegram.sent("answerCallbackQuery")]


def models_table(folder: Path, **tokens: int) -> Path:
    """A copy of the bundled models table in `folder` with some actions' token prices
    changed (`four_k=1`), for PRICES_FILE."""
    text = DEFAULT_PRICES_FILE.read_text(encoding="utf-8")
    for action, price in tokens.items():
        text, found = re.subn(rf"(?m)^{action} = \d+", f"{action} = {price}", text, count=1)
        assert found, action
    path = folder / "models.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def make_driver(
    settings: Settings,
    telegram: FakeTelegram,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
    *,
    work: bool = True,
) -> Driver:
    """The app as `run` builds it; with Redis it works the queue too, unless not to `work`
    (then `work_here` starts it)."""
    app = await build_app(
        settings,
        session=FakeTelegramSession(telegram),
        text_generator=text_generator,
        image_generator=image_generator,
    )
    if work:
        work_here(app)
    return Driver(app, telegram)


def work_here(app: App) -> None:
    """With Redis, the app works the queue in this process, as `run` does."""
    app.queue.work_here(partial(consume, app))


@pytest.fixture
async def driver(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Driver]:
    made = await make_driver(settings, telegram)
    yield made
    await made.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_REDIS_TOP = int(os.environ.get("TEST_REDIS_TOP_DB", "15"))
REDIS_TEST_URL = os.environ.get(
    "TEST_REDIS_URL", f"redis://127.0.0.1:6379/{(_REDIS_TOP - _WORKER) % 16}"
)
"""A Redis database of its own for each pytest-xdist worker (they flush it): 15, 14, … down
from TEST_REDIS_TOP_DB, so two checkouts tested at once on one Redis can keep apart."""


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A clean Redis database; skips (visibly) when no server answers, except under CI."""
    client = Redis.from_url(REDIS_TEST_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_TEST_URL} is required under CI: {error}")
        pytest.skip(f"Redis at {REDIS_TEST_URL} is unreachable: {error}")
    await client.flushdb()
    yield REDIS_TEST_URL
    await client.flushdb()
    await client.aclose()
