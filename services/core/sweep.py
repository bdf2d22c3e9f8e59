"""The sweep: work whose owner died (services/core/owners.py) is taken over or given back.

- A job of the in-process queue whose owner died is taken over by this incarnation, with
  its hold (one atomic UPDATE … WHERE owner = <the dead one>: of two takers one wins) and
  run again (`take_over_jobs`); if its deadline passed meanwhile, its hold is refunded
  instead and the person told.
- A token hold or weekly use whose owner is dead, that no live run took over within a
  short grace, and that no job is left to resume, is refunded once, whatever its age. A
  slow run whose owner still beats is never touched, however old.
- A hold that no incarnation owns (made before owners were recorded, or queued on Redis
  and never started) is refunded once it is older than GENERATION_TIMEOUT + SWEEP_MARGIN:
  the last resort.

Each refund goes through the ledger, once, and is remembered so the person can be told
where they pressed. What a product keeps of its interrupted work is the product's
business: the studio keeps the post (`on_hold_swept`, services/studio/interrupted.py),
Cosmic Coach reads the request back (services/cosmic/again.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.core.job_repo import JobRepo, StoredJob
from services.core.ledger import Ledger
from services.core.models import Reservation
from services.core.owners import Owners
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
        owners: Owners | None = None,
        grace: float = 0.0,
    ) -> None:
        self._db = db
        self._on_hold_swept = on_hold_swept
        self._ledger = ledger
        self._usage = usage
        self._work = work
        self._jobs = JobRepo(db)
        self._owners = owners
        self.stale_after = deadline + margin
        """Seconds after which a hold that no incarnation owns is stale."""
        self.silent_after = (owners.timeout if owners else 0.0) + grace
        """Seconds after its owner's last beat that an orphaned hold with no job left is
        refunded: OWNER_TIMEOUT, and the grace a live run has to take it over."""
        self._uses_since = 0.0
        """Unowned uses reserved before this were looked at by an earlier run of this sweep."""

    async def _live(self) -> Sequence[str]:
        """The incarnations alive now (none known without owners: nothing is orphaned)."""
        return await self._owners.live() if self._owners is not None else ()

    async def run(self, now: float | None = None) -> SweepReport:
        """Refunds, once each, every hold and use whose owner died and was not replaced,
        and every unowned one older than the deadline plus the margin. Anything a live
        incarnation owns is left alone."""
        now = time.time() if now is None else now
        live = await self._live()
        tokens = uses = 0
        if live:
            silent_since = now - self.silent_after
            for reservation in await self._ledger.orphaned(live, silent_since):
                tokens += await self._refund_hold(reservation)
            for use in await self._usage.orphaned(live, silent_since):
                uses += await self._give_back(use)
        cutoff = now - self.stale_after
        for reservation in await self._ledger.held_before(cutoff):
            tokens += await self._refund_hold(reservation)
        for use in await self._usage.unowned_before(cutoff, self._uses_since):
            uses += await self._give_back(use)
        self._uses_since = cutoff
        if tokens or uses:
            logger.warning(
                "swept %d token holds and %d weekly uses left by a dead run", tokens, uses
            )
        return SweepReport(tokens, uses)

    async def take_over_jobs(self, now: float | None = None) -> list[StoredJob]:
        """The in-process queue's jobs whose owner died, taken over by this incarnation
        (each by one taker only) with their holds. Those still within their deadline are
        returned, to be run again; the others have their hold refunded (the person is told
        by the sweeper) and are dropped."""
        if self._owners is None:
            return []
        now = time.time() if now is None else now
        live, me = await self._live(), self._owners.id
        resumed: list[StoredJob] = []
        for job in await self._jobs.orphaned(live):
            async with self._db.transaction() as tx:
                if not await JobRepo.take(tx, job, me):
                    continue  # another live incarnation took it first
                if job.reservation_id is not None:
                    await self._ledger.adopt(job.reservation_id, me, live, tx)
                if job.use_id is not None:
                    await self._usage.adopt(tx, job.use_id, me, live)
            if job.deadline is not None and job.deadline <= now:
                logger.warning("job %s (%s) was orphaned past its deadline", job.id, job.kind)
                await self._give_up(job)
                continue
            logger.info("taking over job %s (%s) from %s", job.id, job.kind, job.owner)
            resumed.append(job)
        return resumed

    async def _give_up(self, job: StoredJob) -> None:
        if job.reservation_id is not None:
            reservation = await self._ledger.held(job.reservation_id)
            if reservation is not None:
                await self._refund_hold(reservation)
        if job.use_id is not None:
            use = await self._usage.held_use(job.use_id)
            if use is not None:
                await self._give_back(use)
        await self._jobs.remove(job.id)

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
        """Swept work whose person has not been told yet (oldest first), including work
        whose teller died before it was done."""
        return await self._work.untold(await self._live())

    async def claim(self, interruption: Interruption) -> bool:
        """True when this process is the one to tell the person (once, across processes;
        again if the one that claimed it died)."""
        me = self._owners.id if self._owners is not None else None
        return await self._work.claim(interruption.id, me, await self._live())

    async def told(self, interruption: Interruption) -> None:
        """The person was told (or cannot be): the claim is final."""
        await self._work.told(interruption.id)

    async def unclaim(self, interruption: Interruption) -> None:
        """The person could not be told now: the next sweep tries again."""
        await self._work.release(interruption.id)

    async def again(self, kind: WorkKind, ref: int, user_id: int) -> dict[str, Any] | None:
        """What "Generate" needs to start the person's swept work again, as its product
        stored it (None: not theirs, or not interrupted)."""
        return await self._work.again(kind, ref, user_id)
