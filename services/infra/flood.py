"""The per-person anti-flood bucket that the chat and the Mini App share: each person's
messages, button presses, inline queries and API calls take from one token bucket
(FLOOD_RATE a second, FLOOD_BURST at once; in Redis when the bot runs as several
processes). bot/telegram/throttling.py drops updates beyond it; the web API answers 429."""

from __future__ import annotations

from services.infra.pacing import RateStore


def flood_key(user_id: int) -> str:
    """One person's bucket: their chat updates and their Mini App's API calls share it."""
    return f"flood:{user_id}"


class FloodLimit:
    """The limit as the HTTP API takes it: a call takes a token from the person's bucket,
    or is refused with the seconds until one is there."""

    def __init__(
        self, rates: RateStore, *, rate: float, burst: int, exempt: frozenset[int]
    ) -> None:
        self._rates = rates
        self._rate = rate
        self._burst = float(burst)
        self._exempt = exempt

    async def wait(self, user_id: int) -> float:
        """0.0 (a token taken, or an admin), else the seconds to wait."""
        if user_id in self._exempt:
            return 0.0
        return await self._rates.take(flood_key(user_id), self._rate, self._burst)
