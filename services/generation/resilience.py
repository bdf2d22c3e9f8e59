"""Calling a model without hanging, hammering or giving up too early: a timeout on every
attempt, retries with exponential backoff and jitter for failures that may pass, a
per-model circuit breaker, and a concurrency limit."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from services.generation.base import FailureKind, GenerationError

logger = logging.getLogger(__name__)

T = TypeVar("T")

MIN_ATTEMPT = 1.0
"""A retry is not started with less time than this before the deadline."""

RETRYABLE = frozenset({FailureKind.TIMEOUT, FailureKind.UNAVAILABLE, FailureKind.RATE_LIMITED})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    """Tries in all, the first included."""
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: a random wait up to base * 2^(attempt-1), capped."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return rng.uniform(0, ceiling)


@dataclass(slots=True)
class CircuitBreaker:
    """After `threshold` consecutive failures the model is skipped for `cooldown` seconds;
    then one probe call is let through: success closes the breaker, failure opens it again."""

    threshold: int = 5
    cooldown: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _probing: bool = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        if self._opened_at is None:
            return True
        if self._probing or self.clock() - self._opened_at < self.cooldown:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self._failures, self._opened_at, self._probing = 0, None, False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.threshold:
            self._opened_at = self.clock()
        self._probing = False


@dataclass(slots=True)
class Guard:
    """Everything around one model's calls. `slots` may be shared by the models of one
    provider, so the provider's own rate limit is never tripped by a burst of users."""

    name: str
    timeout: float
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(8))
    reserve: float | None = None
    """Seconds to keep for this model when it is a fallback; its timeout when None."""
    rng: random.Random = field(default_factory=random.Random)

    @property
    def time_needed(self) -> float:
        return self.timeout if self.reserve is None else self.reserve

    async def call(
        self,
        attempt_call: Callable[[], Awaitable[T]],
        deadline: float | None = None,
        *,
        retry_timeouts: bool = True,
    ) -> T:
        """Runs `attempt_call` until it succeeds, fails for good, retries run out or the
        `deadline` (event-loop time) passes. Each attempt gets `timeout`, clamped to the
        deadline. `retry_timeouts=False` (a chain's model that has a fallback): an attempt
        that got no answer within its timeout is not tried again — a model that hangs would
        hang again, and the next model should have the time. Raises GenerationError
        (UNAVAILABLE when the breaker is open)."""
        loop = asyncio.get_running_loop()
        for attempt in range(1, self.retry.attempts + 1):
            if not self.breaker.allow():
                raise GenerationError(FailureKind.UNAVAILABLE, f"{self.name}: circuit open")
            budget = self.timeout
            if deadline is not None:
                budget = min(budget, deadline - loop.time())
            if budget <= 0:  # the chain's time is up; not the model's fault
                raise GenerationError(FailureKind.TIMEOUT, f"{self.name}: no time left")
            error = await self._attempt(attempt_call, budget)
            if isinstance(error, _Success):
                return error.value
            if error.kind is FailureKind.SAFETY:
                raise error  # the model works; this request is not allowed: never retry
            self.breaker.record_failure()
            if error.kind not in RETRYABLE or attempt == self.retry.attempts:
                raise error
            if error.kind is FailureKind.TIMEOUT and not retry_timeouts:
                raise error
            wait = error.retry_after or self.retry.delay(attempt, self.rng)
            if deadline is not None and loop.time() + wait + MIN_ATTEMPT > deadline:
                raise error  # no time left for another try: let the next model have it
            logger.info("%s failed (%s), retry %d in %.2fs", self.name, error, attempt, wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self, attempt_call: Callable[[], Awaitable[T]], budget: float
    ) -> _Success[T] | GenerationError:
        try:
            async with self.slots, asyncio.timeout(budget):
                result = await attempt_call()
        except TimeoutError:
            return GenerationError(FailureKind.TIMEOUT, f"{self.name}: no answer in {budget:.3g}s")
        except GenerationError as failure:
            return failure
        self.breaker.record_success()
        return _Success(result)


@dataclass(frozen=True, slots=True)
class _Success(Generic[T]):
    value: T
