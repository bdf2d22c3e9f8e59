"""PRO tokens: reserve → commit / refund, admin grants, PRO switch and the monthly reset."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.core.events import TokenOperation, observer
from services.core.ledger_repo import InsufficientTokensError, LedgerRepo
from services.core.models import Account, LedgerEntry, LedgerKind, Reservation, ReservationStatus
from services.core.work_repo import Origin
from services.infra.db import Transaction

logger = logging.getLogger(__name__)

__all__ = ["InsufficientTokensError", "Ledger", "ReserveOutcome"]


@dataclass(frozen=True, slots=True)
class ReserveOutcome:
    reservation: Reservation | None
    """None when the balance could not cover the amount."""
    duplicate: bool = False
    """True when this idempotency key was reserved before (a repeated tap)."""


class Ledger:
    def __init__(self, repo: LedgerRepo, *, pro_monthly_tokens: int) -> None:
        self._repo = repo
        self.pro_monthly_tokens = pro_monthly_tokens

    async def reserve(
        self,
        user_id: int,
        amount: int,
        key: str,
        reason: str,
        origin: Origin | None = None,
        again: dict[str, Any] | None = None,
    ) -> ReserveOutcome:
        """Holds `amount` tokens under `key` (once per key). `origin` and `again` tell the
        sweeper where to report and how to start again if a crash strands the hold."""
        result = await self._repo.reserve(user_id, amount, key, reason, origin, again)
        if result is None:
            return ReserveOutcome(reservation=None)
        reservation, created = result
        if created:
            observer().tokens(TokenOperation.RESERVED, reservation.amount)
        return ReserveOutcome(reservation=reservation, duplicate=not created)

    async def commit(self, reservation: Reservation, tx: Transaction | None = None) -> int | None:
        """Makes the debit final; returns the balance, or None if already settled (a hold
        the sweeper refunded is never committed afterwards)."""
        balance = await self._repo.settle(reservation.id, ReservationStatus.COMMITTED, tx)
        if balance is not None:
            _observe(TokenOperation.COMMITTED, reservation.amount, tx)
        return balance

    async def refund(self, reservation: Reservation, tx: Transaction | None = None) -> int | None:
        """Gives the tokens back; returns the balance the first time, None after (a refund
        happens once)."""
        balance = await self._repo.settle(reservation.id, ReservationStatus.REFUNDED, tx)
        if balance is not None:
            logger.info("refunded %s tokens to %s", reservation.amount, reservation.user_id)
            _observe(TokenOperation.REFUNDED, reservation.amount, tx)
        return balance

    async def grant(
        self, user_id: int, tokens: int, *, actor_id: int, note: str, key: str
    ) -> Account | None:
        """Adds never-expiring tokens (negative: a correction that cannot go below zero).
        Returns None when this key was already applied."""
        return await self._repo.change(
            user_id,
            LedgerKind.GRANT,
            bonus_delta=tokens,
            key=key,
            actor_id=actor_id,
            reason=note or "admin grant",
        )

    async def give_back_part(
        self, user_id: int, tokens: int, *, key: str, reason: str
    ) -> Account | None:
        """Gives back `tokens` of a hold already committed, once per `key` (what it paid
        for came in part: three pictures asked, two painted). None when the key was used."""
        return await self._repo.change(
            user_id, LedgerKind.REFUND, bonus_delta=tokens, key=key, reason=reason
        )

    async def take_back(
        self, user_id: int, tokens: int, *, actor_id: int, key: str, reason: str
    ) -> Account | None:
        """Removes `tokens`, e.g. when a token pack is refunded; the ledger refuses to go
        below zero (InsufficientTokensError), so callers cap it at the balance."""
        return await self._repo.change(
            user_id,
            LedgerKind.PAYMENT_REFUND,
            bonus_delta=-tokens,
            key=key,
            actor_id=actor_id,
            reason=reason,
        )

    async def set_pro(self, user_id: int, on: bool, *, actor_id: int, key: str) -> Account | None:
        """PRO on: the monthly allowance starts now; off: the allowance is withdrawn
        (granted tokens stay)."""
        return await self._repo.change(
            user_id,
            LedgerKind.PRO_ON if on else LedgerKind.PRO_OFF,
            set_allowance=self.pro_monthly_tokens if on else 0,
            set_pro=on,
            key=key,
            actor_id=actor_id,
            reason="PRO on" if on else "PRO off",
        )

    async def set_tier(
        self,
        user_id: int,
        tier: str,
        *,
        expires_at: float | None,
        key: str,
        reason: str,
        actor_id: int | None = None,
        kind: LedgerKind = LedgerKind.TIER,
    ) -> Account | None:
        """Sets the Cosmic Coach tier and its expiry (None: no expiry), in one ledger entry.
        None when `key` was used."""
        return await self._repo.change(
            user_id, kind, set_tier=(tier, expires_at), key=key, actor_id=actor_id, reason=reason
        )

    async def monthly_reset(self, month: date) -> int:
        """Sets every PRO partner's allowance to the monthly amount (idempotent per month)."""
        done = 0
        for user_id in await self._repo.pro_user_ids():
            key = f"monthly:{month:%Y-%m}:{user_id}"
            account = await self._repo.change(
                user_id,
                LedgerKind.MONTHLY_RESET,
                set_allowance=self.pro_monthly_tokens,
                key=key,
                reason=f"monthly allowance {month:%Y-%m}",
            )
            done += account is not None
        return done

    async def entries(self, user_id: int) -> list[LedgerEntry]:
        """The user's ledger, oldest first."""
        return await self._repo.entries(user_id)

    async def held(self, reservation_id: int) -> Reservation | None:
        """The hold, while it is open (neither committed nor refunded)."""
        return await self._repo.held(reservation_id)

    async def held_before(self, cutoff: float) -> list[Reservation]:
        """Holds still open, owned by no incarnation, made before `cutoff` (Unix seconds)."""
        return await self._repo.held_before(cutoff)

    async def orphaned(self, live: Sequence[str], silent_since: float) -> list[Reservation]:
        """Holds still open whose owner is not `live` and silent since `silent_since`, with
        no job left to resume them."""
        return await self._repo.orphaned(live, silent_since)

    async def adopt(
        self, reservation_id: int, owner: str, live: Sequence[str], tx: Transaction
    ) -> bool:
        """`owner` takes the open hold over (from nobody, itself or a dead owner)."""
        return await LedgerRepo.adopt(tx, reservation_id, owner, live)


def _observe(operation: TokenOperation, amount: int, tx: Transaction | None) -> None:
    """Once the settlement is final: at once, or when the caller's transaction commits."""
    if tx is None:
        observer().tokens(operation, amount)
    else:
        tx.after_commit(lambda: observer().tokens(operation, amount))
