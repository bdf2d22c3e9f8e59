"""The admins' figures, read from the records: model calls, images, posts, tokens, plans and
payments. One query per fact; /report, /balance and /stats (services/admin/) all read
through here. Read-only."""

from __future__ import annotations

from dataclasses import dataclass

from services.infra.db import Database


@dataclass(frozen=True, slots=True)
class Generation:
    """One model call, as the reports need it."""

    kind: str
    """text, prompt or image"""
    status: str
    """ok or failed"""
    duration_ms: int
    cost_usd: float
    post_id: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """The calls of one model of one kind over a period."""

    kind: str
    """text, prompt or image"""
    provider: str
    model: str
    calls: int
    succeeded: int
    cost_usd: float


class ReportRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def generations(self, since: float) -> list[Generation]:
        """Every model call since `since`, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT kind, status, duration_ms, cost_usd, post_id, created_at"
            " FROM generations WHERE created_at >= ? ORDER BY id",
            (since,),
        )
        return [Generation(*row) for row in rows]

    async def cost_by_model(self, since: float) -> list[ModelUsage]:
        """Calls and cost per kind and model since `since`, dearest first."""
        rows = await self._db.fetch_all(
            "SELECT kind, provider, model, COUNT(*) AS calls,"
            " SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS succeeded, SUM(cost_usd) AS cost"
            " FROM generations WHERE created_at >= ?"
            " GROUP BY kind, provider, model"
            " ORDER BY cost DESC, calls DESC, kind, provider, model",
            (since,),
        )
        return [
            ModelUsage(
                kind=row["kind"],
                provider=row["provider"],
                model=row["model"],
                calls=row["calls"],
                succeeded=row["succeeded"],
                cost_usd=row["cost"] or 0.0,
            )
            for row in rows
        ]

    async def categories(self, since: float) -> dict[str, int]:
        """Personal images made since `since` per category, the most made first (shared
        dailies are not counted)."""
        rows = await self._db.fetch_all(
            "SELECT category, COUNT(*) FROM images WHERE created_at >= ? AND shared = 0"
            " GROUP BY category ORDER BY COUNT(*) DESC, category",
            (since,),
        )
        return {row[0]: row[1] for row in rows}

    async def posts_done(self, since: float) -> int:
        return await self._count(
            "SELECT COUNT(*) FROM posts WHERE status = 'done' AND created_at >= ?", since
        )

    async def tokens_granted(self, since: float) -> int:
        """Bonus tokens admins granted since `since`."""
        return await self._count(
            "SELECT COALESCE(SUM(bonus_delta), 0) FROM ledger WHERE"
            " kind = 'grant' AND bonus_delta > 0 AND created_at >= ?",
            since,
        )

    async def tokens_spent(self, since: float) -> int:
        """Tokens of the holds committed since `since`."""
        return await self._count(
            "SELECT COALESCE(SUM(allowance_amount + bonus_amount), 0)"
            " FROM reservations WHERE status = 'committed' AND settled_at >= ?",
            since,
        )

    async def paying(self, now: float) -> int:
        """Accounts on a paid plan at `now`."""
        return await self._count(
            "SELECT COUNT(*) FROM accounts WHERE tier != 'free'"
            " AND (tier_expires_at IS NULL OR tier_expires_at > ?)",
            now,
        )

    async def paying_active(self, now: float, since: float) -> int:
        """Accounts on a paid plan at `now` that made a personal image since `since`."""
        return await self._count(
            "SELECT COUNT(DISTINCT a.user_id) FROM accounts a JOIN images i USING (user_id)"
            " WHERE a.tier != 'free' AND (a.tier_expires_at IS NULL OR a.tier_expires_at > ?)"
            " AND i.shared = 0 AND i.created_at >= ?",
            now,
            since,
        )

    async def conversions(self, since: float) -> int:
        """People whose first payment was since `since`."""
        return await self._count(
            "SELECT COUNT(*) FROM (SELECT user_id, MIN(created_at) AS"
            " first FROM payments GROUP BY user_id) AS firsts WHERE first >= ?",
            since,
        )

    async def _count(self, sql: str, *params: object) -> int:
        row = await self._db.fetch_one(sql, params)
        return int(row[0] or 0) if row else 0
