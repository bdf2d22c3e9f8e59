"""One broadcast pace for every sender: two broadcasters on one Redis (two processes) keep
one rate together and a 429 met by one pauses the other; in process, two runs of one
broadcaster do the same. The buckets and marks behind it, on both stores."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage
from redis.asyncio import Redis

from services.core.broadcast import Broadcaster
from services.core.delivery_repo import DeliveryRepo
from services.infra.db import Database
from services.infra.pacing import GRAIN_SECONDS, MemoryRates, RateStore, RedisRates

RATE = 25.0


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


class Recipient:
    """What a chat receives: the moments its messages arrived (a 429 delivers nothing)."""

    def __init__(self, flood_on: set[int] | None = None) -> None:
        self.sent: list[tuple[float, int]] = []
        self.floods: list[float] = []
        self._flood_on = flood_on or set()

    async def send(self, chat_id: int) -> None:
        if chat_id in self._flood_on:
            self._flood_on.discard(chat_id)
            self.floods.append(time.monotonic())
            method = SendMessage(chat_id=chat_id, text="hi")
            raise TelegramRetryAfter(method, "Too Many Requests: retry after 1", 1)
        self.sent.append((time.monotonic(), chat_id))


def busiest_second(moments: list[float]) -> int:
    """The most sends in any one-second window."""
    moments = sorted(moments)
    return max(
        sum(1 for other in moments[i:] if other < start + 1.0) for i, start in enumerate(moments)
    )


async def pace_together(first: Broadcaster, second: Broadcaster, per_run: int) -> list[float]:
    recipients = Recipient(), Recipient()
    await asyncio.gather(
        first.run("one", range(1, per_run + 1), recipients[0].send),
        second.run("two", range(10_001, 10_001 + per_run), recipients[1].send),
    )
    assert len(recipients[0].sent) == len(recipients[1].sent) == per_run
    return [at for recipient in recipients for at, _ in recipient.sent]


def check_one_pace(moments: list[float], rate: float) -> None:
    burst = max(1.0, rate * 0.05)
    span = max(moments) - min(moments)
    assert len(moments) <= rate * span + burst + 1  # at most R·t + burst in t seconds
    assert busiest_second(moments) <= rate + burst + 1
    assert span <= len(moments) / rate * 1.25 + 0.2  # and not much slower than the rate


async def test_two_broadcasters_on_one_redis_keep_one_pace(db: Database, clients):
    repo = DeliveryRepo(db)
    first = Broadcaster(repo, rate=RATE, rates=RedisRates(clients[0]))
    second = Broadcaster(repo, rate=RATE, rates=RedisRates(clients[1]))
    check_one_pace(await pace_together(first, second, per_run=40), RATE)


async def test_at_a_paid_rate_two_processes_taking_grains_never_go_faster(db: Database, clients):
    """At 1000/s each sender takes tokens a few at a time (a grain, used within
    GRAIN_SECONDS of taking it): together they send at most R·(t + GRAIN_SECONDS) + burst
    in any t (how fast they get there depends on the machine: not asserted)."""
    repo = DeliveryRepo(db)
    first = Broadcaster(repo, rate=1000, paid=True, rates=RedisRates(clients[0]))
    second = Broadcaster(repo, rate=1000, paid=True, rates=RedisRates(clients[1]))
    moments = sorted(await pace_together(first, second, per_run=300))
    for i, start in enumerate(moments):
        in_window = [at for at in moments[i:] if at <= start + 0.2]
        assert len(in_window) <= 1000 * (0.2 + GRAIN_SECONDS) + 50 + 1


async def test_in_process_two_runs_of_one_broadcaster_keep_one_pace(db: Database):
    broadcaster = Broadcaster(DeliveryRepo(db), rate=RATE)
    check_one_pace(await pace_together(broadcaster, broadcaster, per_run=40), RATE)


async def pause_together(first: Broadcaster, second: Broadcaster) -> None:
    """The first run meets a 429 ("retry after 1") on its 10th chat: neither run sends
    anything for that second, then both finish, every chat served once."""
    flooded, steady = Recipient(flood_on={10}), Recipient()
    reports = await asyncio.gather(
        first.run("flooded", range(1, 41), flooded.send),
        second.run("steady", range(101, 141), steady.send),
    )
    assert reports[0].pauses == 1 and reports[0].sent == 40 and reports[1].sent == 40
    assert sorted(chat for _, chat in flooded.sent) == list(range(1, 41))  # 10 retried
    (flood,) = flooded.floods
    during = [at for at, _ in flooded.sent + steady.sent if flood < at < flood + 0.95]
    assert during == []  # every sender waited the pause out
    assert [at for at, _ in steady.sent if at > flood]  # and went on after it


async def test_a_429_on_one_process_pauses_the_other(db: Database, clients):
    repo = DeliveryRepo(db)
    first = Broadcaster(repo, rate=RATE, rates=RedisRates(clients[0]))
    second = Broadcaster(repo, rate=RATE, rates=RedisRates(clients[1]))
    await pause_together(first, second)


async def test_in_process_a_429_pauses_every_run(db: Database):
    broadcaster = Broadcaster(DeliveryRepo(db), rate=RATE)
    await pause_together(broadcaster, broadcaster)


async def bucket_gives_its_burst_then_tells_the_wait(rates: RateStore) -> None:
    assert [await rates.take("user:1", 2.0, 3.0) for _ in range(3)] == [0.0] * 3
    wait = await rates.take("user:1", 2.0, 3.0)
    assert 0.4 < wait <= 0.5  # one token every half second
    assert await rates.take("user:2", 2.0, 3.0) == 0.0  # another key, its own bucket
    await asyncio.sleep(wait)
    assert await rates.take("user:1", 2.0, 3.0) == 0.0


async def pause_holds_a_bucket_and_a_longer_one_stays(rates: RateStore) -> None:
    await rates.pause("stop", 0.3)
    await rates.pause("stop", 0.1)  # shorter: the longer pause stays
    wait = await rates.take("bucket", 100.0, 5.0, pause_key="stop")
    assert 0.2 < wait <= 0.3
    assert await rates.take("bucket", 100.0, 5.0) == 0.0  # without the pause key: no pause
    await asyncio.sleep(wait)
    assert await rates.take("bucket", 100.0, 5.0, pause_key="stop") == 0.0


async def a_grain_takes_what_the_bucket_holds_at_most(rates: RateStore) -> None:
    assert await rates.take_up_to("grain", 2.0, 3.0, 5) == (3, 0.0)  # 3 there, 5 asked
    taken, wait = await rates.take_up_to("grain", 2.0, 3.0, 5)
    assert taken == 0 and 0.4 < wait <= 0.5
    await asyncio.sleep(wait)
    assert await rates.take_up_to("grain", 2.0, 3.0, 5) == (1, 0.0)


async def first_in_a_period_is_true_once(rates: RateStore) -> None:
    assert await rates.first_in("note:1", 0.3) is True
    assert await rates.first_in("note:1", 0.3) is False
    assert await rates.first_in("note:2", 0.3) is True
    await asyncio.sleep(0.35)
    assert await rates.first_in("note:1", 0.3) is True


CHECKS = [
    bucket_gives_its_burst_then_tells_the_wait,
    pause_holds_a_bucket_and_a_longer_one_stays,
    a_grain_takes_what_the_bucket_holds_at_most,
    first_in_a_period_is_true_once,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
async def test_in_process(check):
    await check(MemoryRates())


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
async def test_on_redis(check, clients):
    await check(RedisRates(clients[0]))


async def test_a_send_that_breaks_for_one_person_does_not_stop_the_others(db: Database):
    served: list[int] = []

    async def send(chat_id: int) -> None:
        if chat_id == 3:
            raise RuntimeError("the sign's image could not be made")
        served.append(chat_id)

    report = await Broadcaster(DeliveryRepo(db), rate=1000).run("push:x", range(1, 7), send)
    assert sorted(served) == [1, 2, 4, 5, 6]
    assert (report.sent, report.failed) == (5, 1)
    assert (await DeliveryRepo(db).delivery_counts("push:x")).get("failed") == 1
