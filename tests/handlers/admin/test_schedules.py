"""A day of schedules, simulated on a fixed clock: the daily batch, the pushes (each
subscriber gets their sign's art exactly once, each sign uploaded once), a broadcaster that
honours 429 for everybody, unsubscribes blocked users and survives being stopped mid-run."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.duties.scheduled import KEEP_FILES_DAYS
from tests.conftest import ADMIN_ID, Driver
from tests.fakes.telegram import FakeTelegram
from tests.handlers.studio.test_jobs import UnreachableQueue

SIGNS = ("aries", "leo", "pisces")
SUBSCRIBERS = {5000 + n: (SIGNS[n % 3], (7, 8, 9)[n % 3]) for n in range(30)}


@pytest.fixture(autouse=True)
def morning() -> Iterator[None]:
    """The day starts at 06:00 (BOT_TIMEZONE is UTC here), before anyone's hour."""
    with time_machine.travel(datetime(2026, 12, 1, 6, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    for user_id in SUBSCRIBERS:
        telegram.add_user(user_id, f"User{user_id}", ("en", "es", "ru")[user_id % 3])
    return telegram


async def subscribe_all(driver: Driver) -> None:
    for user_id, (sign, hour) in SUBSCRIBERS.items():
        await driver.app.services.accounts.get_or_create(user_id, ("en", "es", "ru")[user_id % 3])
        await driver.app.services.subscriptions.subscribe(user_id, sign, hour)


def at(hour: int, driver: Driver, minute: int = 0) -> datetime:
    today = driver.app.services.cosmic.clock.today()
    return datetime(
        today.year,
        today.month,
        today.day,
        hour,
        minute,
        tzinfo=driver.app.services.cosmic.clock.zone,
    )


def photo_sends(telegram: FakeTelegram) -> dict[int, int]:
    """Photos each subscriber actually received."""
    counts: dict[int, int] = {}
    for user_id in SUBSCRIBERS:
        received = [m for m in telegram.chat_messages(user_id) if m.photo]
        if received:
            counts[user_id] = len(received)
    return counts


async def test_a_day_of_schedules_serves_everyone_once(driver: Driver):
    await subscribe_all(driver)
    scheduler = driver.app.scheduler
    summary = await scheduler.fire("nightly_batch", at(0, driver))
    assert summary is not None and "12 painted" in summary
    assert await scheduler.fire("nightly_batch", at(0, driver)) is None  # same period: nothing
    for hour in (7, 8, 8, 9):
        await scheduler.fire("daily_push", at(hour, driver))
    await scheduler.catch_up(at(10, driver) - timedelta(minutes=1))
    assert photo_sends(driver.telegram) == dict.fromkeys(SUBSCRIBERS, 1)
    uploads = [
        c
        for c in driver.telegram.sent("sendPhoto")
        if c.params["chat_id"] in SUBSCRIBERS and not isinstance(c.params["photo"], str)
    ]
    assert len(uploads) == len(SIGNS)  # one upload per sign; every other send reuses it
    spanish = next(u for u in SUBSCRIBERS if u % 3 == 1)
    caption = driver.telegram.chat_messages(spanish)[-1].visible
    assert "Energía" in caption and len(caption.split("\n\n")) == 2  # reading + horoscope


async def test_missed_pushes_catch_up_once_at_start(driver: Driver):
    await subscribe_all(driver)
    await driver.app.scheduler.catch_up(at(9, driver) + timedelta(minutes=30))
    await driver.app.scheduler.catch_up(at(9, driver) + timedelta(minutes=31))
    assert photo_sends(driver.telegram) == dict.fromkeys(SUBSCRIBERS, 1)


async def test_blocked_users_are_unsubscribed_and_429_pauses_everyone(driver: Driver):
    await subscribe_all(driver)
    blocked = {5003, 5006}
    driver.telegram.blocked |= blocked
    driver.telegram.flood = (10, 1)  # every 10th send: "retry after 1 s"
    await driver.app.services.batch.run()
    started = time.monotonic()
    report = await driver.app.push.run(at(9, driver, 30))  # everyone's hour has come
    assert report.blocked == 2 and report.sent == len(SUBSCRIBERS) - 2 and report.pauses >= 2
    assert time.monotonic() - started >= report.pauses * 0.9  # the pauses were waited out
    sends = photo_sends(driver.telegram)
    assert all(sends.get(u, 0) == 1 for u in SUBSCRIBERS if u not in blocked)
    for user_id in blocked:
        assert await driver.app.services.subscriptions.subscription(user_id) is None
    floods = [c.at for c, error in driver.telegram.errors if "Too Many" in error]
    photos = [c.at for c in driver.telegram.sent("sendPhoto")]
    for flood_at in floods:  # nobody sent anything while the pause was on
        assert not [t for t in photos if flood_at < t < flood_at + 0.9]
    driver.telegram.errors.clear()


async def test_a_stopped_push_run_resumes_without_duplicates(driver: Driver):
    await subscribe_all(driver)
    await driver.app.services.batch.run()
    driver.app.services.broadcaster.rate = 20  # slow enough to stop it half-way
    run = asyncio.create_task(driver.app.push.run(at(9, driver, 30)))
    await driver.telegram.wait_for(lambda: len(photo_sends(driver.telegram)) >= 10, 10)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    stopped_at = len(photo_sends(driver.telegram))
    assert stopped_at < len(SUBSCRIBERS)
    driver.app.services.broadcaster.rate = 1000
    await driver.app.push.run(at(9, driver, 45))
    assert photo_sends(driver.telegram) == dict.fromkeys(SUBSCRIBERS, 1)


async def test_report_batch_and_broadcast_for_admins(driver: Driver):
    await subscribe_all(driver)
    await driver.send(ADMIN_ID, "/batch")
    assert "12 painted" in driver.texts(ADMIN_ID)[-1]
    await driver.send(ADMIN_ID, "/batch")
    assert "12 cached" in driver.texts(ADMIN_ID)[-1]
    await driver.send(ADMIN_ID, "/report 7")
    chart = [m for m in driver.telegram.chat_messages(ADMIN_ID) if m.photo][-1]
    assert chart.photo.startswith(b"\x89PNG")
    report = driver.texts(ADMIN_ID)[-1]
    assert "Images: 12" in report and "per image" in report.lower() and "KPIs" in report
    await driver.send(ADMIN_ID, "/broadcast sign:leo Full moon tonight <3")
    assert "Send this to 10 users" in driver.texts(ADMIN_ID)[-1]
    await driver.press(ADMIN_ID, "Send")
    leo = [u for u, (s, _) in SUBSCRIBERS.items() if s == "leo"]
    assert all(driver.telegram.chat_messages(u)[-1].visible == "Full moon tonight <3" for u in leo)
    assert "10 / 10 · sent 10 · failed 0 · blocked 0" in driver.texts(ADMIN_ID)[-1]
    rows = await driver.app.services.db.fetch_all("SELECT action FROM audit ORDER BY id")
    assert [row[0] for row in rows] == ["batch", "batch", "broadcast"]


async def test_a_broadcast_to_nobody_ends_at_once(driver: Driver):
    await subscribe_all(driver)
    await driver.send(ADMIN_ID, "/broadcast sign:virgo Hello")  # no Virgo subscribers
    assert "Send this to 0 users" in driver.texts(ADMIN_ID)[-1]
    await driver.press(ADMIN_ID, "Send")
    assert "0 / 0 · sent 0" in driver.texts(ADMIN_ID)[-1]
    assert not driver.app.queue.running  # ended, not handed back to run again


async def test_a_scheduled_job_queued_past_its_window_is_skipped(driver: Driver):
    late = at(7, driver) - timedelta(hours=3)
    with pytest.raises(RuntimeError, match="skipped"):
        await driver.app.queue.scheduled("daily_push", late, late + timedelta(hours=1))
    assert await driver.app.scheduler.fire("daily_push", late) is None  # so not recorded


async def test_an_admin_is_told_when_the_queue_cannot_take_the_job(driver: Driver):
    await subscribe_all(driver)
    driver.app.dispatcher["jobs"] = UnreachableQueue()
    await driver.send(ADMIN_ID, "/batch")
    assert "cannot be reached: nothing was started" in driver.texts(ADMIN_ID)[-1]
    await driver.send(ADMIN_ID, "/broadcast sign:leo Hello")
    await driver.press(ADMIN_ID, "Send")
    assert "cannot be reached: nothing was started" in driver.texts(ADMIN_ID)[-1]
    leo = [u for u, (s, _) in SUBSCRIBERS.items() if s == "leo"]
    assert all(not driver.telegram.chat_messages(u) for u in leo)  # nobody got anything


async def test_monthly_reset_runs_once_per_month(driver: Driver):
    await driver.make_pro()
    await driver.app.services.ledger.grant(1001, -100, actor_id=ADMIN_ID, note="spend", key="k")
    first = datetime(2026, 12, 1, 0, 5, tzinfo=driver.app.services.cosmic.clock.zone)
    assert await driver.app.scheduler.fire("monthly_reset", first) == "1 partners reset"
    assert await driver.app.scheduler.fire("monthly_reset", first + timedelta(hours=3)) is None
    assert await driver.balance() == 500


async def test_cleanup_forgets_expired_entries_and_orphan_files(driver: Driver):
    media = driver.app.services.cosmic.media.root
    orphan = media / "cosmic" / "orphan.png"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    old = time.time() - (KEEP_FILES_DAYS + 1) * 86_400

    os.utime(orphan, (old, old))
    old_thumb = media / "thumbs" / "7.jpg"  # thumbnails are made again when asked for
    old_thumb.parent.mkdir(parents=True, exist_ok=True)
    old_thumb.write_bytes(b"t")
    os.utime(old_thumb, (old, old))
    kept = media / "cosmic" / "fresh.png"
    kept.write_bytes(b"y")
    summary = await driver.app.scheduler.fire("cache_cleanup", at(2, driver))
    assert summary is not None and "2 unreferenced files removed" in summary
    assert not orphan.exists() and not old_thumb.exists() and kept.exists()
