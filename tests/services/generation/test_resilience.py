from __future__ import annotations

import asyncio
import random
import time

import pytest

from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult, Usage
from services.generation.chain import ChainEntry, Fallback, ImageChain
from services.generation.resilience import CircuitBreaker, Guard, RetryPolicy
from services.studio.catalog import Audience, PostType
from services.studio.chains import TextChain
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PostRequest
from services.studio.poster import PosterSketch

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
REQUEST = ImageRequest("p", 16, 9, 1, PosterSketch("h", "k", ("#000000", "#111111", "#222222")))


class ScriptedPainter:
    """Fails with the scripted errors, in order, then succeeds."""

    def __init__(self, name: str, *failures: FailureKind | str, delay: float = 0) -> None:
        self.name, self.failures, self.delay, self.calls = name, list(failures), delay, 0

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "hang":
                await asyncio.sleep(3600)
            raise GenerationError(FailureKind(failure))
        return ImageResult(b"png", 16, 9, Usage("fake", self.name))


def entry(painter: ScriptedPainter, timeout: float = 1.0, **guard) -> ChainEntry:
    return ChainEntry(painter, Guard(painter.name, timeout, retry=FAST, **guard))


async def test_rate_limit_then_success_is_retried():
    painter = ScriptedPainter("a", FailureKind.RATE_LIMITED)
    result = await ImageChain([entry(painter)]).paint(REQUEST)
    assert result.usage.model == "a" and painter.calls == 2


async def test_server_errors_fall_back_to_the_next_model():
    first = ScriptedPainter("a", *[FailureKind.UNAVAILABLE] * 3)
    second = ScriptedPainter("b")
    tried: list[str] = []

    async def on_fallback(fallback: Fallback) -> None:
        tried.append(f"{fallback.failed}>{fallback.next_model}:{fallback.error.kind}")

    result = await ImageChain([entry(first), entry(second)]).paint(REQUEST, on_fallback)
    assert result.usage.model == "b" and first.calls == 3
    assert tried == ["a>b:unavailable"]


async def test_safety_block_is_never_retried_nor_passed_on():
    first, second = ScriptedPainter("a", FailureKind.SAFETY), ScriptedPainter("b")
    with pytest.raises(GenerationError) as caught:
        await ImageChain([entry(first), entry(second)]).paint(REQUEST)
    assert caught.value.kind is FailureKind.SAFETY
    assert (first.calls, second.calls) == (1, 0)


async def test_invalid_answers_are_not_retried():
    first, second = ScriptedPainter("a", FailureKind.INVALID), ScriptedPainter("b")
    await ImageChain([entry(first), entry(second)]).paint(REQUEST)
    assert first.calls == 1


async def test_a_hanging_model_costs_its_timeout_not_a_multiple():
    hanging = ScriptedPainter("slow", "hang", "hang", "hang")
    guard = Guard("slow", 0.2, retry=RetryPolicy(attempts=1))
    started = time.perf_counter()
    result = await ImageChain([ChainEntry(hanging, guard), entry(ScriptedPainter("b"))]).paint(
        REQUEST
    )
    assert result.usage.model == "b"
    assert 0.2 <= time.perf_counter() - started < 0.35


async def test_a_model_that_timed_out_gives_way_to_the_next_without_retrying():
    hanging, next_one = ScriptedPainter("slow", "hang", "hang", "hang"), ScriptedPainter("b")
    started = time.perf_counter()
    result = await ImageChain([entry(hanging, timeout=0.2), entry(next_one)]).paint(REQUEST)
    assert result.usage.model == "b"
    assert hanging.calls == 1  # three attempts allowed, one taken: the next model's turn
    assert 0.2 <= time.perf_counter() - started < 0.35


async def test_the_last_model_of_a_chain_tries_again_after_a_timeout():
    hanging = ScriptedPainter("slow", "hang")
    result = await ImageChain([entry(hanging, timeout=0.2)]).paint(REQUEST)
    assert result.usage.model == "slow" and hanging.calls == 2


async def test_all_failing_raises_the_last_error():
    chain = ImageChain(
        [
            entry(ScriptedPainter("a", *["timeout"] * 3)),
            entry(ScriptedPainter("b", *["unavailable"] * 3)),
        ]
    )
    with pytest.raises(GenerationError) as caught:
        await chain.paint(REQUEST)
    assert caught.value.kind is FailureKind.UNAVAILABLE


def test_breaker_opens_after_k_failures_and_probes_once_after_cooldown():
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, cooldown=30, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.is_open and not breaker.allow()
    now[0] = 31
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one probe at a time
    breaker.record_failure()
    assert not breaker.allow()  # opened again
    now[0] = 62
    assert breaker.allow()
    breaker.record_success()
    assert not breaker.is_open and breaker.allow()


async def test_open_breaker_skips_the_model():
    broken = ScriptedPainter("a", *["unavailable"] * 10)
    breaker = CircuitBreaker(threshold=2, cooldown=60)
    chain = ImageChain([entry(broken, breaker=breaker), entry(ScriptedPainter("b"))])
    await chain.paint(REQUEST)
    calls = broken.calls
    await chain.paint(REQUEST)
    assert broken.calls == calls == 2  # skipped while open


async def test_concurrency_limit_is_respected():
    active, peak = 0, 0

    class Counting(ScriptedPainter):
        async def paint(self, request: ImageRequest) -> ImageResult:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.02)
            active -= 1
            return await super().paint(request)

    chain = ImageChain([entry(Counting("a"), slots=asyncio.Semaphore(3))])
    await asyncio.gather(*(chain.paint(REQUEST) for _ in range(10)))
    assert peak == 3


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(attempts=5, base_delay=1, max_delay=4)
    rng = random.Random(1)
    assert all(policy.delay(1, rng) <= 1 for _ in range(50))
    assert all(policy.delay(5, rng) <= 4 for _ in range(50))


async def test_text_chain_skips_models_that_cannot_write_the_language():
    class EnglishOnly(LocalTextWriter):
        model = "english-only"

        @property
        def languages(self) -> frozenset[str]:
            return frozenset({"en"})

    chain = TextChain(
        [
            ChainEntry(EnglishOnly(), Guard("en", 1)),
            ChainEntry(LocalTextWriter(), Guard("local", 1)),
        ]
    )
    request = PostRequest(PostType.TIP, Audience.STUDENTS, "ru", None, 1)
    result = await chain.write_post(request)
    assert result.usage.model == "templates-v1"
    assert chain.languages == {"en", "es", "ru"}


async def test_a_deadline_leaves_time_for_the_fallbacks():
    # The first model may take 1 s per try, but with a 0.5 s budget and a local fallback
    # that needs 0.2 s, it gets 0.3 s and the fallback still answers in time.
    hanging = ScriptedPainter("slow", "hang", "hang", "hang")
    local = ScriptedPainter("local")
    chain = ImageChain(
        [
            ChainEntry(hanging, Guard("slow", 1.0, retry=FAST)),
            ChainEntry(local, Guard("local", 1.0, reserve=0.2)),
        ]
    )
    started = time.perf_counter()
    deadline = asyncio.get_running_loop().time() + 0.5
    result = await chain.paint(REQUEST, deadline=deadline)
    assert result.usage.model == "local"
    assert 0.28 <= time.perf_counter() - started < 0.45
    assert hanging.calls == 1  # no retry started without time for it


async def test_every_model_gets_a_fair_share_when_reserves_exceed_the_budget():
    first = ScriptedPainter("a", "hang")
    second = ScriptedPainter("b")
    chain = ImageChain(
        [ChainEntry(first, Guard("a", 5.0, retry=FAST)), ChainEntry(second, Guard("b", 5.0))]
    )
    deadline = asyncio.get_running_loop().time() + 0.4
    result = await chain.paint(REQUEST, deadline=deadline)
    assert result.usage.model == "b"  # "a" got half the time, not none of it
    assert first.calls == 1
