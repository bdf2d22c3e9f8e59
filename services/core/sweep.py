"""The sweep: token holds and weekly uses that outlived their generation deadline (plus a
margin) belong to a run that died — a crash, a kill, a redeploy. Each is refunded once,
through the ledger, and remembered so the person can be told where they pressed. What a
product keeps of its interrupted work is the product's business: the studio keeps the post
(`on_hold_swept`, services/studio/interrupted.py), Cosmic Coach reads the request back
(services/cosmic/again.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.core.ledger import Ledger
from services.core.models import Reservation
from services.core.usage_repo import UsageRepo, UseReservation
from services.core.work_repo import Interruption, WorkKind, WorkRepo
from services.infra.db import Database, Transaction

logger = logging.getLogger(__name__)

HoldSwept = Callable[[Transaction, Reservation, dict[str, Any]], Awaitable[None]]
"""Called inside the refund's transaction of a swept token hold, with what its origin
remembered for "Generate" (the `again` of services/core/work_repo.py)."""


@dataclass(frozen=True, slots=True)
class SweepReport:
    tokens: int
    """Token holds refunded."""
    uses: int
    """Weekly uses given back."""


class Sweep:
    def __init__(
        self,
        db: Database,
        ledger: Ledger,
        usage: UsageRepo,
        work: WorkRepo,
        *,
        deadline: float,
        margin: float,
        on_hold_swept: HoldSwept | None = None,
    ) -> None:
        self._db = db
        self._on_hold_swept = on_hold_swept
        self._ledger = ledger
        self._usage = usage
        self._work = work
        self.stale_after = deadline + margin
        """Seconds after which a hold is stale: every run gives up by its deadline."""
        self._uses_since = 0.0
        """Uses reserved before this were looked at by an earlier run of this sweep."""

    async def run(self, now: float | None = None) -> SweepReport:
        """Refunds every hold and use older than the deadline plus the margin, once each.
        Anything younger may still be worked on and is left alone."""
        cutoff = (time.time() if now is None else now) - self.stale_after
        tokens = 0
        for reservation in await self._ledger.held_before(cutoff):
            tokens += await self._refund_hold(reservation)
        uses = 0
        for use in await self._usage.unsettled_before(cutoff, self._uses_since):
            uses += await self._give_back(use)
        self._uses_since = cutoff
        if tokens or uses:
            logger.warning(
                "swept %d token holds and %d weekly uses left by a dead run", tokens, uses
            )
        return SweepReport(tokens, uses)

    async def _refund_hold(self, reservation: Reservation) -> bool:
        async with self._db.transaction() as tx:
            if await self._ledger.refund(reservation, tx) is None:
                return False  # settled meanwhile: finished, failed or swept by another run
            again = await WorkRepo.swept(tx, WorkKind.TOKENS, reservation.id)
            if again and self._on_hold_swept is not None:
                await self._on_hold_swept(tx, reservation, again)
        return True

    async def _give_back(self, use: UseReservation) -> bool:
        async with self._db.transaction() as tx:
            if not await self._usage.settle(use, keep=False, tx=tx):
                return False
            await WorkRepo.swept(tx, WorkKind.USE, use.id)
        return True

    async def untold(self) -> list[Interruption]:
        """Swept work whose person has not been told yet (oldest first)."""
        return await self._work.untold()

    async def claim(self, interruption: Interruption) -> bool:
        """True when this process is the one to tell the person (once, across processes)."""
        return await self._work.claim(interruption.id)

    async def unclaim(self, interruption: Interruption) -> None:
        """The person could not be told now: the next sweep tries again."""
        await self._work.release(interruption.id)

    async def again(self, kind: WorkKind, ref: int, user_id: int) -> dict[str, Any] | None:
        """What "Generate" needs to start the person's swept work again, as its product
        stored it (None: not theirs, or not interrupted)."""
        return await self._work.again(kind, ref, user_id)
