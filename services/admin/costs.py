"""What the providers cost: read from the generation records (one row per model call)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.core.db import Database

DAY = 86_400


@dataclass(frozen=True, slots=True)
class ModelUsage:
    kind: str
    """text, prompt or image"""
    provider: str
    model: str
    calls: int
    succeeded: int
    cost_usd: float


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


class CostReport:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def summary(self, days: int, now: float | None = None) -> CostSummary:
        """Calls and cost per model over the last `days` days, dearest first."""
        since = (now if now is not None else time.time()) - days * DAY
        rows = await self._db.fetch_all(
            "SELECT kind, provider, model, COUNT(*) AS calls,"
            " SUM(status = 'ok') AS succeeded, SUM(cost_usd) AS cost"
            " FROM generations WHERE created_at >= ?"
            " GROUP BY kind, provider, model ORDER BY cost DESC, calls DESC",
            (since,),
        )
        return CostSummary(
            days,
            tuple(
                ModelUsage(
                    row["kind"],
                    row["provider"],
                    row["model"],
                    row["calls"],
                    row["succeeded"],
                    row["cost"] or 0.0,
                )  # fmt: skip
                for row in rows
            ),
        )
