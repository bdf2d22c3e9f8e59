from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from services.infra.patience import patiently


class Flaky:
    """Fails `times` times with `error`, then answers."""

    def __init__(self, times: int, error: Exception) -> None:
        self.times, self.error, self.calls = times, error, 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "done"


async def test_an_operation_is_tried_again_while_redis_is_away():
    flaky = Flaky(2, RedisConnectionError("Connection refused"))
    assert await patiently(flaky, "test", pauses=(0, 0, 0)) == "done"
    assert flaky.calls == 3


async def test_the_last_error_is_let_through_once_the_pauses_ran_out():
    flaky = Flaky(5, RedisConnectionError("Connection refused"))
    with pytest.raises(RedisConnectionError):
        await patiently(flaky, "test", pauses=(0, 0))
    assert flaky.calls == 3


async def test_an_error_of_redis_itself_is_not_tried_again():
    flaky = Flaky(1, ResponseError("WRONGTYPE"))
    with pytest.raises(ResponseError):
        await patiently(flaky, "test", pauses=(0, 0))
    assert flaky.calls == 1
