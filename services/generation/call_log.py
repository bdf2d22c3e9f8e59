"""Provider calls noted as generation records: every model a chain tried, its cost."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import replace
from typing import Protocol, TypeVar

from services.core.models import GenerationRecord
from services.generation.base import GenerationError, Usage


class Metered(Protocol):
    """Any provider's result: it says who served it and what it cost."""

    @property
    def usage(self) -> Usage: ...


R = TypeVar("R", bound=Metered)


class CallLog:
    """Notes every model a chain tried (failed fallbacks included) as generation records."""

    def __init__(
        self, records: list[GenerationRecord], user_id: int, kind: str, prompt: str
    ) -> None:
        self._records = records
        self._base = GenerationRecord(
            user_id=user_id,
            kind=kind,
            provider="chain",
            model="?",
            prompt=prompt,
            status="failed",
            duration_ms=0,
        )
        self._started = time.perf_counter()

    def failed(self, name: str, error: BaseException) -> None:
        provider, _, model = name.partition(":")
        self._add(provider=provider, model=model or provider, error=repr(error))

    async def run(self, call: Awaitable[R]) -> R:
        try:
            result = await call
        except GenerationError as error:
            self.failed(error.model or "chain", error)
            raise
        except BaseException as error:  # cancelled with its sibling, or a bug
            self._add(error=repr(error))
            raise
        usage = result.usage
        self._add(
            provider=usage.provider,
            model=usage.model,
            status="ok",
            cost_usd=usage.cost_usd,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )
        return result

    def _add(self, **fields: object) -> None:
        duration_ms = int((time.perf_counter() - self._started) * 1000)
        self._records.append(replace(self._base, duration_ms=duration_ms, **fields))  # type: ignore[arg-type]
        self._started = time.perf_counter()
