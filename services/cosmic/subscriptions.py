"""The daily image by subscription: the sign and hour a person picked, in their own time
zone (kept once told, by an offset tapped or a name typed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.core.account_repo import AccountRepo
from services.cosmic.subscription_repo import Subscription, SubscriptionRepo
from services.cosmic.zones import offset_name, parse_zone, zone_of, zone_or
from services.infra.clock import Clock


@dataclass(frozen=True, slots=True)
class Subscribed:
    changed: bool
    """False: already subscribed to this sign at this hour, nothing changed."""
    zone: str
    """The zone the hour is in (the bot's when the person has none)."""
    pushed_today: bool = False
    """Today's image (their local date) has already come."""


class SubscriptionService:
    def __init__(
        self, subscriptions: SubscriptionRepo, accounts: AccountRepo, clock: Clock
    ) -> None:
        self._subscriptions = subscriptions
        self._accounts = accounts
        self.clock = clock

    async def subscription(self, user_id: int) -> Subscription | None:
        return await self._subscriptions.subscription(user_id)

    async def zone(self, user_id: int) -> str | None:
        """The person's time zone name; None until they have told it."""
        return await self._subscriptions.zone(user_id)

    def local_now(self, zone: str) -> datetime:
        return self.clock.now().astimezone(zone_or(zone, self.clock.zone))

    async def subscribe(self, user_id: int, sign: str, hour: int) -> Subscribed:
        """Subscribes (the sign becomes the person's sign too)."""
        zone = await self._subscriptions.zone(user_id) or self.clock.zone.key
        current = await self._subscriptions.subscription(user_id)
        if current is not None and (current.sign, current.hour) == (sign, hour):
            return Subscribed(changed=False, zone=zone)
        await self._subscriptions.subscribe(user_id, sign, hour)
        await self._accounts.set_sign(user_id, sign)
        today = self.local_now(zone).date().isoformat()
        pushed = await self._subscriptions.pushed_since(user_id, today)
        return Subscribed(changed=True, zone=zone, pushed_today=pushed)

    async def unsubscribe(self, user_id: int) -> bool:
        return await self._subscriptions.unsubscribe(user_id)

    async def set_offset(self, user_id: int, minutes: int) -> str:
        """The person's clock is `minutes` east of UTC now. The zone they keep already
        stays when it has that offset now (Europe/Madrid in winter and UTC+1): it knows
        summer time, the offset does not. Returns the zone kept."""
        zone = await self._subscriptions.zone(user_id)
        current = zone_of(zone) if zone else None
        now = self.clock.now()
        if zone and current and now.astimezone(current).utcoffset() == timedelta(minutes=minutes):
            return zone
        zone = offset_name(minutes)
        await self._subscriptions.set_zone(user_id, zone)
        return zone

    async def set_typed_zone(self, user_id: int, typed: str) -> str | None:
        """The zone the person typed (a name, a city, an offset), kept; None if unknown."""
        zone = parse_zone(typed)
        if zone is None or zone_of(zone) is None:
            return None
        await self._subscriptions.set_zone(user_id, zone)
        return zone
