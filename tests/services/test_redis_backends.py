"""The shared-state backends against the real Redis server."""

from __future__ import annotations

import copy

from redis.asyncio import Redis

from bot.config import Settings
from services.locks import RedisUserLocks, hold
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
