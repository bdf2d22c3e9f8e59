"""What happens to images after they are made: shares, downloads, favourites and views;
viral detection; referrals; the growth reward for sharing; the admins' dashboard."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time

from services.core.accounts import AccountRepo
from services.core.db import Database
from services.core.images import ImageRepo, StoredImage
from services.core.ledger import Ledger
from services.core.models import Account, LedgerKind
from services.core.tiers import Clock, Tier, effective_tier
from services.sharing.repo import EventRepo

DAY = 86_400


@dataclass(frozen=True, slots=True)
class GrowthRules:
    viral_shares: int = 50
    """Shares within 24 h that make an image viral."""
    reward_shares: int = 10
    """Shares in a month that earn the reward (once a month)."""
    reward_days: int = 7
    """Days of the Cosmic plan the reward gives."""


@dataclass(frozen=True, slots=True)
class ShareOutcome:
    recorded: bool
    viral: StoredImage | None = None
    """Set once, when this share made the image viral."""
    reward: Account | None = None
    """Set once a month, when this share earned the sharer the reward."""


@dataclass(frozen=True, slots=True)
class Dashboard:
    images_today: int
    shares_today: int
    downloads_today: int
    cost_today: float
    viral_week: list[tuple[int, int]]
    top_week: list[tuple[int, int]]
    categories_week: dict[str, int]


class Analytics:
    def __init__(self, db: Database, events: EventRepo, images: ImageRepo, ledger: Ledger,
                 accounts: AccountRepo, clock: Clock, rules: GrowthRules) -> None:  # fmt: skip
        self._db = db
        self._events = events
        self._images = images
        self._ledger = ledger
        self._accounts = accounts
        self._clock = clock
        self.rules = rules

    async def share(self, image_id: int, user_id: int, detail: str, key: str) -> ShareOutcome:
        """Counts a share once per `key`; flags the image viral and rewards the sharer when
        this share crosses their thresholds."""
        if not await self._events.add("share", image_id, user_id, detail, key):
            return ShareOutcome(recorded=False)
        now = time.time()
        viral = None
        shares = await self._events.count("share", now - DAY, image_id=image_id)
        if shares >= self.rules.viral_shares and await self._events.flag_viral(image_id, shares):
            viral = await self._images.get(image_id)
        return ShareOutcome(True, viral, await self._reward(user_id))

    async def download(self, image_id: int, user_id: int, detail: str) -> None:
        await self._events.add("download", image_id, user_id, detail)

    async def favourite(self, image_id: int, user_id: int) -> None:
        """Counted once per user and image, however often the star is toggled."""
        await self._events.add("favourite", image_id, user_id, key=f"fav:{user_id}:{image_id}")

    async def view(self, image_id: int, user_id: int) -> None:
        await self._events.add("view", image_id, user_id)

    async def attribute(self, user_id: int, referrer_id: int) -> bool:
        """Links a new user to whoever invited them: the first link wins, never oneself."""
        if user_id == referrer_id:
            return False
        row = await self._db.execute_atomic(
            "UPDATE accounts SET referred_by = ? WHERE user_id = ? AND referred_by IS NULL"
            " AND EXISTS (SELECT 1 FROM accounts WHERE user_id = ?) RETURNING user_id",
            (referrer_id, user_id, referrer_id),
        )
        return row is not None

    async def referrals(self, user_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM accounts WHERE referred_by = ?", (user_id,)
        )
        return int(row[0]) if row else 0

    async def dashboard(self) -> Dashboard:
        today = self._clock.today()
        midnight = datetime.combine(today, day_time(0), tzinfo=self._clock.zone).timestamp()
        week = datetime.combine(self._clock.week_start(), day_time(0),
                                tzinfo=self._clock.zone).timestamp()  # fmt: skip
        generated = await self._db.fetch_one(
            "SELECT COUNT(*) FILTER (WHERE kind = 'image' AND status = 'ok'),"
            " COALESCE(SUM(cost_usd), 0) FROM generations WHERE created_at >= ?",
            (midnight,),
        )
        categories = await self._db.fetch_all(
            "SELECT category, COUNT(*) FROM images WHERE created_at >= ? AND shared = 0"
            " GROUP BY category ORDER BY COUNT(*) DESC",
            (week,),
        )
        return Dashboard(
            images_today=int(generated[0]) if generated else 0,
            shares_today=await self._events.count("share", midnight),
            downloads_today=await self._events.count("download", midnight),
            cost_today=float(generated[1]) if generated else 0.0,
            viral_week=await self._events.viral_since(time.time() - 7 * DAY),
            top_week=await self._events.top_shared(week, 5),
            categories_week={row[0]: row[1] for row in categories},
        )

    async def _reward(self, user_id: int) -> Account | None:
        today = self._clock.today()
        month_start = datetime.combine(today.replace(day=1), day_time(0), tzinfo=self._clock.zone)
        shares = await self._events.count("share", month_start.timestamp(), user_id=user_id)
        if shares < self.rules.reward_shares:
            return None
        account = await self._accounts.get(user_id)
        if account is None:
            return None
        now = time.time()
        tier = effective_tier(account.tier, account.tier_expires_at, now)
        if tier is Tier.FREE:
            tier = Tier.COSMIC
        paid_until = account.tier_expires_at if account.tier == tier.value else None
        start = max(now, paid_until) if paid_until is not None else now
        if (
            account.tier == tier.value
            and account.tier_expires_at is None
            and tier is not Tier.FREE
        ):
            return None  # an open-ended plan has nothing to extend
        expires = start + timedelta(days=self.rules.reward_days).total_seconds()
        return await self._ledger.set_tier(
            user_id, tier.value, expires_at=expires, key=f"reward:{user_id}:{today:%Y-%m}",
            reason=f"{self.rules.reward_shares} shares in {today:%Y-%m}", kind=LedgerKind.TIER,
        )  # fmt: skip
