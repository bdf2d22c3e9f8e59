"""What the services tell whoever watches the process (the Prometheus metrics of
bot/metrics.py): provider calls and their cost, token operations, push sends, Cosmic Coach
images. Output only: an observer never changes what a service does, and a failing one is
logged and ignored.

The observer is one per process, as the metrics it feeds: `watch()` installs it (the bot
does, in bot/shared_state.py), and until then nothing is observed. Services call
`observer()` where the event is final (after its transaction committed)."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Protocol

from services.core.models import GenerationRecord

logger = logging.getLogger(__name__)


class TokenOperation(StrEnum):
    RESERVED = "reserved"
    COMMITTED = "committed"
    REFUNDED = "refunded"


class Observer(Protocol):
    def generation(self, record: GenerationRecord) -> None:
        """A provider call, stored (its status "ok" or "failed", its cost)."""

    def tokens(self, operation: TokenOperation, amount: int) -> None:
        """Tokens held, made final or given back (once each, by the ledger)."""

    def push(self, campaign: str, outcome: str) -> None:
        """One delivery of a campaign of a kind ("push" for the daily pushes, "broadcast"
        for an admin's): sent, blocked, failed or skipped (an earlier run handled it)."""

    def cosmic_image(self, category: str, outcome: str) -> None:
        """A Cosmic Coach image of a category: painted (by a provider), failed (its
        painting did) or given (handed to a person, painted for them or from the cache)."""


class NoObserver:
    """Observes nothing (the default)."""

    def generation(self, record: GenerationRecord) -> None:
        pass

    def tokens(self, operation: TokenOperation, amount: int) -> None:
        pass

    def push(self, campaign: str, outcome: str) -> None:
        pass

    def cosmic_image(self, category: str, outcome: str) -> None:
        pass


class _Guarded:
    """The installed observer, its errors logged instead of reaching the service."""

    def __init__(self, inner: Observer) -> None:
        self.inner = inner

    def generation(self, record: GenerationRecord) -> None:
        self._call("generation", record)

    def tokens(self, operation: TokenOperation, amount: int) -> None:
        self._call("tokens", operation, amount)

    def push(self, campaign: str, outcome: str) -> None:
        self._call("push", campaign, outcome)

    def cosmic_image(self, category: str, outcome: str) -> None:
        self._call("cosmic_image", category, outcome)

    def _call(self, name: str, *args: object) -> None:
        try:
            getattr(self.inner, name)(*args)
        except Exception:
            logger.exception("observer %s failed", name)


_current: Observer = NoObserver()


def watch(observer: Observer) -> None:
    """Installs the process's observer (again: replaces it)."""
    global _current
    _current = _Guarded(observer)


def observer() -> Observer:
    return _current
