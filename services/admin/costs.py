"""What the providers cost: calls and cost per model, from the generation records (one row
per model call). An admin's /balance shows it; /report shows the same figures per model."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from services.admin.report_repo import ModelUsage, ReportRepo

DAY = 86_400


@dataclass(frozen=True, slots=True)
class CostSummary:
    days: int
    by_model: tuple[ModelUsage, ...]

    @property
    def calls(self) -> int:
        return sum(row.calls for row in self.by_model)

    @property
    def succeeded(self) -> int:
        return sum(row.succeeded for row in self.by_model)

    @property
    def cost_usd(self) -> float:
        return sum(row.cost_usd for row in self.by_model)


def per_model(rows: Iterable[ModelUsage]) -> list[tuple[str, int, float]]:
    """(provider:model, calls, cost) with every kind of a model together, dearest first."""
    models: dict[str, tuple[int, float]] = {}
    for row in rows:
        name = f"{row.provider}:{row.model}"
        calls, spent = models.get(name, (0, 0.0))
        models[name] = (calls + row.calls, spent + row.cost_usd)
    return sorted(((n, c, s) for n, (c, s) in models.items()), key=lambda m: -m[2])


class CostReport:
    def __init__(self, repo: ReportRepo) -> None:
        self._repo = repo

    async def summary(self, days: int, now: float | None = None) -> CostSummary:
        """Calls and cost per model over the last `days` days, dearest first."""
        since = (now if now is not None else time.time()) - days * DAY
        return CostSummary(days, tuple(await self._repo.cost_by_model(since)))
