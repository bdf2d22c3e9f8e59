"""What happens to images after they are made: shares, downloads, favourites and views;
viral detection; referrals; the growth reward for sharing. (The admins' /stats is in
services/admin/stats.py.)"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time
from enum import StrEnum

from services.core.account_repo import AccountRepo
from services.core.image_repo import ImageRepo, StoredImage
from services.core.ledger import Ledger
from services.core.models import Account, LedgerKind
from services.core.plans import Tier, effective_tier
from services.infra.clock import Clock
from services.sharing.event_repo import EventRepo
from services.sharing.referral_repo import ReferralRepo

DAY = 86_400


@dataclass(frozen=True, slots=True)
class GrowthRules:
    viral_shares: int = 50
    """Shares within 24 h that make an image viral."""
    reward_shares: int = 10
    """Shares in a month that earn the reward (once a month)."""
    reward_days: int = 7
    """Days of the Cosmic plan the reward gives."""


class SharePlatform(StrEnum):
    """Where a share can go: the only shares counted (rewards and viral detection read them)."""

    TELEGRAM = "telegram"
    """Sent into a chat (an inline result chosen)."""
    STORY = "story"
    """Posted as a Telegram story."""
    INSTAGRAM = "instagram"
    X = "x"
    FACEBOOK = "facebook"


@dataclass(frozen=True, slots=True)
class ShareOutcome:
    recorded: bool
    viral: StoredImage | None = None
    """Set once, when this share made the image viral."""
    reward: Account | None = None
    """Set once a month, when this share earned the sharer the reward."""


class Analytics:
    def __init__(
        self,
        events: EventRepo,
        referrals: ReferralRepo,
        images: ImageRepo,
        ledger: Ledger,
        accounts: AccountRepo,
        clock: Clock,
        rules: GrowthRules,
    ) -> None:
        self._events = events
        self._referrals = referrals
        self._images = images
        self._ledger = ledger
        self._accounts = accounts
        self._clock = clock
        self.rules = rules

    async def share(
        self, image_id: int, user_id: int, platform: SharePlatform, detail: str = ""
    ) -> ShareOutcome:
        """Counts a share once per person, image and day (whatever the platform or how often
        it is pressed); flags the image viral and rewards the sharer when this share crosses
        their thresholds."""
        key = f"share:{user_id}:{image_id}:{self._clock.today():%Y-%m-%d}"
        noted = f"{platform.value}:{detail}" if detail else platform.value
        if not await self._events.add("share", image_id, user_id, noted, key):
            return ShareOutcome(recorded=False)
        now = time.time()
        viral = None
        shares = await self._events.count("share", now - DAY, image_id=image_id)
        if shares >= self.rules.viral_shares and await self._events.flag_viral(image_id, shares):
            viral = await self._images.get(image_id)
        return ShareOutcome(True, viral, await self._reward(user_id))

    async def download(self, image_id: int, user_id: int, detail: str) -> bool:
        """Counted once per person, image and day; True when this one was counted."""
        key = f"download:{user_id}:{image_id}:{self._clock.today():%Y-%m-%d}"
        return await self._events.add("download", image_id, user_id, detail, key)

    async def favourite(self, image_id: int, user_id: int) -> None:
        """Counted once per user and image, however often the star is toggled."""
        await self._events.add("favourite", image_id, user_id, key=f"fav:{user_id}:{image_id}")

    async def view(self, image_id: int, user_id: int) -> None:
        await self._events.add("view", image_id, user_id)

    async def attribute(self, user_id: int, referrer_id: int) -> bool:
        """Links a new user to whoever invited them: the first link wins, never oneself."""
        if user_id == referrer_id:
            return False
        return await self._referrals.link(user_id, referrer_id)

    async def referrals(self, user_id: int) -> int:
        return await self._referrals.count(user_id)

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
            user_id,
            tier.value,
            expires_at=expires,
            key=f"reward:{user_id}:{today:%Y-%m}",
            reason=f"{self.rules.reward_shares} shares in {today:%Y-%m}",
            kind=LedgerKind.TIER,
        )
