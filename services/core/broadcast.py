"""Sending one message to many chats the way Telegram wants it: one pace for every sender
(in every process when they share Redis), one message per chat per second, every sender
paused when Telegram asks (429), blocked users reported, other refusals logged and
skipped, network trouble retried a few times.

Every delivery is claimed in the database before it is sent and marked after, so a run
that is stopped and started again sends nobody twice and skips nobody still waiting. A
stop (cancellation) lets the sends already in flight finish and be recorded.

This is the Telegram sender: the one service that knows aiogram's exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from services.core.delivery_repo import DeliveryRepo
from services.core.events import observer
from services.infra.pacing import MemoryRates, Pace, RateStore

logger = logging.getLogger(__name__)

SENDER_PACES_ITSELF: ContextVar[bool] = ContextVar("sender_paces_itself", default=False)
"""Set while the broadcaster sends: a 429 reaches it (to pause everybody) instead of being
waited out by the request middleware."""

SendOne = Callable[[int], Awaitable[None]]
"""Sends the campaign's message to one chat; raises what aiogram raises."""
Hold = Callable[[int], AbstractAsyncContextManager[object]]
"""Entered around one chat's delivery before it takes its turn in the pace: what the send
would otherwise wait for with its turn in hand (the push: another send's upload of the
same image) is waited for here, so that the sends it frees do not all go at once."""
FREE_RATE = 30.0
"""Telegram's overall limit without paid broadcasts (messages per second)."""
PAID_RATE = 1000.0
RECORD_BATCH = 100
CLAIM_BATCH = 4
"""Deliveries a sender claims in one statement. A crash mid-chunk leaves the rest of it
claimed and unsent ('sending': never a resend), so it stays small."""
MAX_WAITS = 10
"""429s one delivery may wait out before it counts as failed."""


@dataclass
class BroadcastReport:
    total: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0
    """Handled by an earlier run of the same campaign."""
    pauses: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.blocked + self.skipped

    @property
    def eta_seconds(self) -> float | None:
        handled = self.sent + self.failed + self.blocked
        if not handled:
            return None
        rate = handled / max(time.monotonic() - self.started, 1e-6)
        return (self.total - self.done) / rate

    def count(self, outcome: str) -> None:
        """One more chat served with `outcome`: sent, blocked or failed."""
        if outcome == "sent":
            self.sent += 1
        elif outcome == "blocked":
            self.blocked += 1
        else:
            self.failed += 1


class RateLimiter:
    """One run's turns: the pace shared by every sender (`Pace`: in this process, or in
    every process on one Redis), one message per chat per `per_chat` seconds, and the
    pause every sender honours."""

    def __init__(self, pace: Pace, rate: float, per_chat: float = 1.0) -> None:
        self._pace = pace
        self._rate = rate
        self._per_chat = per_chat
        self._last: dict[int, float] = {}

    async def pause(self, seconds: float) -> None:
        await self._pace.pause(seconds)

    async def wait_turn(self, chat_id: int) -> None:
        at = self._last.get(chat_id, -math.inf) + self._per_chat
        if (wait := at - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        await self._pace.wait_turn(self._rate)
        self._last[chat_id] = time.monotonic()


class Broadcaster:
    def __init__(
        self,
        repo: DeliveryRepo,
        *,
        rate: float,
        paid: bool = False,
        attempts: int = 3,
        retry_delay: float = 1.0,
        rates: RateStore | None = None,
    ) -> None:
        limit = PAID_RATE if paid else FREE_RATE
        if rate > limit:
            logger.warning(
                "broadcast rate %s is above Telegram's %s/s: using %s", rate, limit, limit
            )
        self.rate = min(rate, limit)
        self.paid = paid
        self.repo = repo
        self._attempts = attempts
        self._retry_delay = retry_delay
        self.pace = Pace(rates if rates is not None else MemoryRates())
        """Shared by every run of this broadcaster (and, with Redis, of every process)."""

    async def run(
        self,
        campaign: str,
        recipients: Iterable[int],
        send: SendOne,
        *,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        on_progress: Callable[[BroadcastReport], Awaitable[None]] | None = None,
        hold: Hold | None = None,
    ) -> BroadcastReport:
        """Sends `campaign` to every recipient not served by an earlier run of it (each is
        claimed once), at the shared pace; the report says how it went."""
        run = _Run(self, campaign, send, on_blocked, hold, list(recipients))
        workers = max(1, min(64, math.ceil(self.rate / 15)))
        tasks = [asyncio.create_task(run.work(on_progress)) for _ in range(workers)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)
            await run.settle()
        if on_progress is not None:
            await on_progress(run.report)
        return run.report

    async def deliver(
        self,
        user_id: int,
        send: SendOne,
        limiter: RateLimiter,
        report: BroadcastReport,
        on_blocked: Callable[[int], Awaitable[None]] | None,
        outcomes: list[tuple[int, str, str]],
    ) -> str:
        """Sends to one chat; returns the outcome recorded: sent, blocked or failed."""
        failures = waits = 0
        while True:
            await limiter.wait_turn(user_id)
            try:
                await _paced_send(send, user_id)
            except TelegramRetryAfter as error:
                report.pauses += 1
                await limiter.pause(error.retry_after)  # everybody waits, then this one retries
                waits += 1
                if waits <= MAX_WAITS:
                    continue
                status, detail = "failed", "flood limit"
            except (TelegramNetworkError, TelegramServerError) as error:
                failures += 1
                if failures < self._attempts:
                    await asyncio.sleep(self._retry_delay * 2 ** (failures - 1))
                    continue
                status, detail = "failed", str(error)
            except Exception as error:
                status, detail = _refusal(user_id, error)
            else:
                status, detail = "sent", ""
            outcomes.append((user_id, status, detail))
            report.count(status)
            if status == "blocked" and on_blocked is not None:
                await on_blocked(user_id)
            return status


async def _paced_send(send: SendOne, user_id: int) -> None:
    token = SENDER_PACES_ITSELF.set(True)
    try:
        await send(user_id)
    finally:
        SENDER_PACES_ITSELF.reset(token)


def _refusal(user_id: int, error: Exception) -> tuple[str, str]:
    """The outcome of a send that failed for good: blocked, or failed with why."""
    if isinstance(error, TelegramForbiddenError):
        return "blocked", error.message
    if isinstance(error, TelegramBadRequest):
        logger.warning("broadcast to %s refused: %s", user_id, error.message)
        return "failed", error.message
    # Not Telegram's answer (the image could not be made, a bug): this person is recorded
    # as failed and the others are still served.
    logger.exception("sending to %s failed", user_id, exc_info=error)
    return "failed", f"{type(error).__name__}: {error}"[:200]


class _Run:
    """One run of a campaign: the recipients left, what was sent, and the outcomes not
    recorded yet. Outcomes are recorded in batches: the claim already keeps anyone from
    being sent twice; the status is bookkeeping (a lost batch leaves 'sending', never a
    resend)."""

    def __init__(
        self,
        broadcaster: Broadcaster,
        campaign: str,
        send: SendOne,
        on_blocked: Callable[[int], Awaitable[None]] | None,
        hold: Hold | None,
        recipients: list[int],
    ) -> None:
        self.broadcaster, self.campaign, self.send = broadcaster, campaign, send
        self.on_blocked, self.hold = on_blocked, hold
        self.left: asyncio.Queue[int] = asyncio.Queue()
        for user_id in recipients:
            self.left.put_nowait(user_id)
        self.report = BroadcastReport(total=self.left.qsize())
        self.limiter = RateLimiter(broadcaster.pace, broadcaster.rate)
        self.kind = campaign.partition(":")[0]
        self.outcomes: list[tuple[int, str, str]] = []
        self.in_flight: set[asyncio.Task[None]] = set()
        self.reported = 0  # progress is told every 25 deliveries

    async def work(self, on_progress: Callable[[BroadcastReport], Awaitable[None]] | None) -> None:
        left = self.left
        while not left.empty():
            chunk = [left.get_nowait() for _ in range(min(CLAIM_BATCH, left.qsize()))]
            # Shielded: a stop never separates a claim from its send and its record.
            task = asyncio.ensure_future(self.serve(chunk))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
            await asyncio.shield(task)
            if on_progress is not None and self.report.done // 25 > self.reported:
                self.reported = self.report.done // 25
                await on_progress(self.report)

    async def serve(self, user_ids: list[int]) -> None:
        repo = self.broadcaster.repo
        claimed = await repo.claim_many(self.campaign, user_ids)
        for _ in range(len(user_ids) - len(claimed)):
            self.report.skipped += 1
            observer().push(self.kind, "skipped")
        for user_id in claimed:
            async with nullcontext() if self.hold is None else self.hold(user_id):
                outcome = await self.broadcaster.deliver(
                    user_id, self.send, self.limiter, self.report, self.on_blocked, self.outcomes
                )
            observer().push(self.kind, outcome)
        if len(self.outcomes) >= RECORD_BATCH:
            batch = self.outcomes[:]
            self.outcomes.clear()
            await repo.finish_many(self.campaign, batch)

    async def settle(self) -> None:
        """A stop still lets the deliveries already claimed finish and be recorded."""
        await asyncio.gather(*self.in_flight, return_exceptions=True)
        await self.broadcaster.repo.finish_many(self.campaign, self.outcomes)
