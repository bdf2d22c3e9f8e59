"""The in-process queue made durable: a job is written down (kind, payload, owner, when,
deadline, the hold it finishes) before it runs in this process, and crossed out when it
ends, whatever its outcome; what a dead incarnation left written down is taken over by a
live one (services/core/sweep.py `take_over_jobs`) and run again. With Redis the stream is
the durable queue, and a worker adopts a job's hold when it starts it."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence

from services.core.job_repo import JobRepo, StoredJob
from services.core.jobs import Hold
from services.core.ledger_repo import LedgerRepo
from services.core.owners import Owners
from services.core.usage_repo import UsageRepo
from services.core.work_repo import WorkKind
from services.infra.db import Database


class JobJournal:
    def __init__(self, db: Database, owners: Owners, *, timeout: float) -> None:
        self._db = db
        self._jobs = JobRepo(db)
        self._owners = owners
        self._timeout = timeout
        """GENERATION_TIMEOUT: a job finishing a hold must be done by its hold's deadline."""

    async def write(self, kind: str, payload: dict[str, object], hold: Hold | None) -> str:
        """Writes the job down, owned by this incarnation; its id (the queue's task id)."""
        job_id = secrets.token_hex(16)
        await self._jobs.add(
            StoredJob(
                id=job_id,
                kind=kind,
                payload=payload,
                owner=self._owners.id,
                created_at=time.time(),
                deadline=hold.held_at + self._timeout if hold else None,
                reservation_id=hold.ref if hold and hold.kind is WorkKind.TOKENS else None,
                use_id=hold.ref if hold and hold.kind is WorkKind.USE else None,
            )
        )
        return job_id

    async def ended(self, job_id: str, *, settled: bool = True) -> None:
        """Crosses the job out. `settled` False: it ended without settling its hold (it
        raised): this incarnation lets go of the hold, for the age-based sweep."""
        me = self._owners.id
        async with self._db.transaction() as tx:
            job = await JobRepo.take_out(tx, job_id)
            if job is None or settled:
                return
            if job.reservation_id is not None:
                await LedgerRepo.disown(tx, job.reservation_id, me)
            if job.use_id is not None:
                await UsageRepo.disown(tx, job.use_id, me)

    async def adopt(self, hold: Hold) -> bool:
        """A worker of the shared queue (Redis) takes over the hold of the job it starts:
        from nobody (queued), itself, or a dead owner. False: a live run owns it, or it was
        settled: there is nothing for this run to do."""
        me = self._owners.id
        live: Sequence[str] = await self._owners.live()
        async with self._db.transaction() as tx:
            if hold.kind is WorkKind.TOKENS:
                return await LedgerRepo.adopt(tx, hold.ref, me, live)
            return await UsageRepo.adopt(tx, hold.ref, me, live)

    async def let_go(self, hold: Hold) -> None:
        """A worker of the shared queue lets go of a hold its job left unsettled (it raised
        and goes back to the queue): whichever worker runs it next adopts it."""
        me = self._owners.id
        async with self._db.transaction() as tx:
            if hold.kind is WorkKind.TOKENS:
                await LedgerRepo.disown(tx, hold.ref, me)
            else:
                await UsageRepo.disown(tx, hold.ref, me)
