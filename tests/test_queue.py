"""The Redis job stream on a real Redis: a job held by a live worker stays with it however
long it runs (the heartbeat), and goes to another worker only once its holder has died
and left it idle for the redelivery time; an image job through the stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from redis.asyncio import Redis
from taskiq import AckableMessage, BrokerMessage

from bot.config import Settings
from bot.jobs.broker import GROUP, STREAM, HeldStreamBroker
from tests.conftest import ADMIN_ID, PARTNER_ID, make_driver
from tests.fakes.telegram import FakeTelegram

REDELIVERY = 0.6


async def worker(url: str, *kinds: str) -> HeldStreamBroker:
    """A worker's broker that knows the jobs named `kinds` (studio.post when none)."""
    broker = HeldStreamBroker(url, redelivery=REDELIVERY)
    for name in kinds or ("studio.post",):
        broker.register_task(_nothing, name)
    broker.is_worker_process = True
    await broker.startup()
    return broker


async def _nothing() -> None:
    """The work of a job known by name only (these tests run no job)."""


async def next_message(broker: HeldStreamBroker, within: float) -> AckableMessage | None:
    listening = broker.listen()
    try:
        return await asyncio.wait_for(anext(listening), within)
    except TimeoutError:
        return None
    finally:
        with contextlib.suppress(Exception):
            await listening.aclose()


async def test_a_live_workers_job_stays_a_dead_workers_job_moves(redis_url: str):
    sender = HeldStreamBroker(redis_url, redelivery=REDELIVERY)
    first, second = await worker(redis_url), await worker(redis_url)
    try:
        data = b'{"task_id": "t1", "task_name": "studio.post", "labels": {}}'
        await sender.kick(BrokerMessage(task_id="t1", task_name="x", message=data, labels={}))
        taken = await next_message(first, 5)
        assert taken is not None  # the first worker runs it ...
        # ... for five times the redelivery time: nobody else gets it meanwhile.
        assert await next_message(second, 5 * REDELIVERY) is None

        await first.shutdown()  # the first worker dies without acknowledging it
        started = time.monotonic()
        again = await next_message(second, 10 * REDELIVERY)
        assert again is not None and again.data == taken.data  # the same job, once
        assert time.monotonic() - started >= REDELIVERY / 2
        await again.ack()
        assert await next_message(second, 3 * REDELIVERY) is None  # acknowledged: done
    finally:
        await second.shutdown()
        await sender.shutdown()


async def test_an_image_job_goes_through_the_stream_and_the_photo_arrives(
    redis_url: str, settings: Settings, telegram: FakeTelegram
):
    driver = await make_driver(settings.model_copy(update={"redis_url": redis_url}), telegram)
    try:
        await driver.send(ADMIN_ID, f"/tier {PARTNER_ID} cosmic 30")
        await driver.send(PARTNER_ID, "/match")
        await driver.press(PARTNER_ID, "Leo")
        await driver.press(PARTNER_ID, "Aquarius")  # queued, run by this app's worker
        photos = telegram.sent("sendPhoto", PARTNER_ID)
        assert len(photos) == 1 and "Leo" in photos[0].params["caption"]
        account = await driver.app.services.accounts.get(PARTNER_ID)
        assert account is not None
        assert (await driver.app.services.cosmic.usage_of(account)).used == 1
        client = Redis.from_url(redis_url)
        groups = await client.xinfo_groups(STREAM)
        await client.aclose()
        assert [(g["name"], g["pending"]) for g in groups] == [(GROUP.encode(), 0)]
    finally:
        await driver.app.close()


async def test_an_admin_broadcast_and_batch_run_as_jobs_of_the_stream(
    redis_url: str, settings: Settings, telegram: FakeTelegram
):
    """The admin's handler only queues them: a worker sends the broadcast (its progress in
    the confirm message) and runs the batch (its report to the admin)."""
    fans = [4001, 4002, 4003]
    for user_id in fans:
        telegram.add_user(user_id, f"Fan{user_id}")
    driver = await make_driver(settings.model_copy(update={"redis_url": redis_url}), telegram)
    try:
        for user_id in fans:
            await driver.app.services.accounts.get_or_create(user_id, "en")
            await driver.app.services.subscriptions.subscribe(user_id, "leo", 9)
        await driver.send(ADMIN_ID, "/broadcast sign:leo New moon tonight")
        await driver.press(ADMIN_ID, "Send")
        for user_id in fans:
            assert telegram.chat_messages(user_id)[-1].visible == "New moon tonight"
        assert "3 / 3 · sent 3" in driver.texts(ADMIN_ID)[-1]
        await driver.send(ADMIN_ID, "/batch")
        assert "12 painted" in driver.texts(ADMIN_ID)[-1]
        client = Redis.from_url(redis_url)
        groups = await client.xinfo_groups(STREAM)
        kinds = [json.loads(data[b"data"])["task_name"] for _, data in await client.xrange(STREAM)]
        await client.aclose()
        assert [(g["name"], g["pending"]) for g in groups] == [(GROUP.encode(), 0)]
        assert kinds == ["admin.broadcast", "admin.batch"]
    finally:
        await driver.app.close()
