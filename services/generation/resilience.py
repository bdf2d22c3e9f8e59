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
from typing import TypeVar

from services.generation.base import FailureKind, GenerationError

logger = logging.getLogger(__name__)

T = TypeVar("T")

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
    """Everything around one model's calls."""

    name: str
    timeout: float
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    concurrency: int = 8
    rng: random.Random = field(default_factory=random.Random)
    _slots: asyncio.Semaphore | None = None

    async def call(self, attempt_call: Callable[[], Awaitable[T]]) -> T:
        """Runs `attempt_call` until it succeeds, fails for good, or retries run out.
        Raises GenerationError (UNAVAILABLE when the breaker is open)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        for attempt in range(1, self.retry.attempts + 1):
            if not self.breaker.allow():
                raise GenerationError(FailureKind.UNAVAILABLE, f"{self.name}: circuit open")
            try:
                async with self._slots, asyncio.timeout(self.timeout):
                    result = await attempt_call()
            except TimeoutError:
                error = GenerationError(FailureKind.TIMEOUT, f"{self.name}: no answer in "
                                        f"{self.timeout:g}s")  # fmt: skip
            except GenerationError as failure:
                error = failure
            else:
                self.breaker.record_success()
                return result
            if error.kind is FailureKind.SAFETY:
                raise error  # the model works; this request is not allowed: never retry
            self.breaker.record_failure()
            if error.kind not in RETRYABLE or attempt == self.retry.attempts:
                raise error
            wait = error.retry_after or self.retry.delay(attempt, self.rng)
            logger.info("%s failed (%s), retry %d in %.2fs", self.name, error, attempt, wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover
