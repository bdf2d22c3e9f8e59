"""The shared-state backends against the real Redis server."""

from __future__ import annotations

import asyncio
import copy
import time

from redis.asyncio import Redis

from bot.config import Settings
from services.cosmic.cache import CachedImage, RedisImageCache
from services.infra.locks import RedisKeyLocks, RedisUserLocks, hold
from tests.conftest import PARTNER_ID, make_driver


async def test_redis_lock_is_exclusive_and_released(redis_url: str):
    client = Redis.from_url(redis_url)
    locks = RedisUserLocks(client, ttl_seconds=30)
    async with hold(locks, 5) as first:
        async with hold(locks, 5) as second:
            assert first and not second
        assert await client.ttl("studio:busy:5") > 0
    async with hold(locks, 5) as again:
        assert again
    await client.aclose()


async def test_redis_key_locks_have_one_holder_and_expire(redis_url: str):
    client = Redis.from_url(redis_url)
    first, second = RedisKeyLocks(client), RedisKeyLocks(client)  # two processes
    token = await first.acquire("push:upload:k", 0.3)
    assert token is not None
    assert await second.acquire("push:upload:k", 0.3) is None
    await second.release("push:upload:k", "not-its-token")  # nothing happens
    assert await second.acquire("push:upload:k", 0.3) is None
    await first.release("push:upload:k", token)
    again = await second.acquire("push:upload:k", 0.3)
    assert again is not None
    await asyncio.sleep(0.4)  # its holder died: the lock frees itself
    late = await first.acquire("push:upload:k", 0.3)
    assert late is not None
    await second.release("push:upload:k", again)  # expired and taken: not released
    assert await second.acquire("push:upload:k", 0.3) is None
    await client.aclose()


async def test_studio_flow_with_redis_state(redis_url: str, settings: Settings, telegram):
    redis_settings = settings.model_copy(update={"redis_url": redis_url})
    driver = await make_driver(redis_settings, telegram)
    try:
        await driver.make_pro()
        await driver.send(PARTNER_ID, "/studio")
        await driver.press(PARTNER_ID, "Testimonial")
        await driver.press(PARTNER_ID, "Small Business Owners")
        await driver.press(PARTNER_ID, "English")
        await driver.send(PARTNER_ID, "https://example.com/r/redis")
        confirm = copy.deepcopy(driver.telegram.last_with_buttons(PARTNER_ID))
        await driver.press(PARTNER_ID, "Generate", confirm)
        await driver.press(PARTNER_ID, "Generate", confirm)
        assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1
        assert await driver.balance() == 498
        client = Redis.from_url(redis_url)
        assert await client.keys("studio:busy:*") == []
        await client.aclose()
    finally:
        await driver.app.close()


async def test_redis_image_cache_shares_entries_and_counts(redis_url: str):
    client = Redis.from_url(redis_url)
    await client.delete(*[k async for k in client.scan_iter("cosmic:cache:*")] or ["none"])
    cache = RedisImageCache(client)
    other_client = Redis.from_url(redis_url)
    other_process = RedisImageCache(other_client)
    entry = CachedImage("cosmic/leo.png", "prompt", "local", "cosmic-art-v1", "standard")
    assert await cache.get("daily:leo:2026-11-24") is None
    await cache.put("daily:leo:2026-11-24", entry, time.time() + 60)
    await cache.set_file_id("daily:leo:2026-11-24", "AgACfile")
    found = await other_process.get("daily:leo:2026-11-24")
    assert found is not None and found.file_id == "AgACfile" and found.path == entry.path
    assert 0 < await client.ttl(f"{RedisImageCache.PREFIX}daily:leo:2026-11-24") <= 60
    assert await cache.stats() == (1, 1)
    await client.aclose()
    await other_client.aclose()


async def test_cosmic_daily_shared_through_redis(redis_url: str, settings: Settings, telegram):
    client = Redis.from_url(redis_url)
    await client.delete(*[k async for k in client.scan_iter("cosmic:cache:*")] or ["none"])
    await client.aclose()
    redis_settings = settings.model_copy(update={"redis_url": redis_url})
    driver = await make_driver(redis_settings, telegram)
    try:
        await driver.send(PARTNER_ID, "/daily")
        await driver.press(PARTNER_ID, "Pisces")
        await driver.send(PARTNER_ID, "/daily")
        sends = driver.telegram.sent("sendPhoto", PARTNER_ID)
        assert len(sends) == 2 and isinstance(sends[1].params["photo"], str)
        assert await driver.app.services.cosmic.cache_stats() == (1, 1)
    finally:
        await driver.app.close()
