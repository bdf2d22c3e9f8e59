"""With Redis, one person's updates are handled one at a time across processes (aiogram's
Redis event isolation), and an update handled past the lock's expiry still ends well."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis

from bot.telegram.dispatcher import PersonIsolation

KEY = StorageKey(bot_id=1, chat_id=1001, user_id=1001)


async def test_one_update_of_a_person_at_a_time_across_processes(redis_url: str):
    one, two = Redis.from_url(redis_url), Redis.from_url(redis_url)
    first, second = PersonIsolation(one), PersonIsolation(two)  # two processes
    order: list[str] = []

    async def handle(isolation: PersonIsolation, name: str) -> None:
        async with isolation.lock(KEY):
            order.append(f"{name} in")
            await asyncio.sleep(0.2)
            order.append(f"{name} out")

    try:
        await asyncio.gather(handle(first, "a"), handle(second, "b"))
        assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    finally:
        await one.aclose()
        await two.aclose()


async def test_a_handler_that_outlives_the_lock_ends_without_an_error(redis_url: str):
    client = Redis.from_url(redis_url)
    isolation = PersonIsolation(client, lock_kwargs={"timeout": 0.1})
    try:
        async with isolation.lock(KEY):
            await asyncio.sleep(0.3)  # the lock expired meanwhile
        async with isolation.lock(KEY):  # and the person's next update is handled
            pass
    finally:
        await client.aclose()
