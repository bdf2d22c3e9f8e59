"""A token hold under the person's one-job-in-flight lock: the quick half every paid studio
action shares (a post, a new text, more pictures, an edit). On success the lock stays
taken for the job that settles the hold (it releases it); on any refusal nothing is held
and the lock is free again."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from services.core.ledger import Ledger
from services.core.models import Reservation
from services.core.work_repo import Origin
from services.infra.locks import UserLocks


class Refusal(StrEnum):
    """Why nothing was held; the values are those of the products' statuses of the same
    names (a product's outcome is its status of that value)."""

    BUSY = "busy"
    """Another job of theirs is in flight."""
    INSUFFICIENT = "insufficient"
    DUPLICATE = "duplicate"
    """This key was held before (a repeated tap)."""


async def hold_under_lock(
    locks: UserLocks,
    ledger: Ledger,
    user_id: int,
    amount: int,
    key: str,
    reason: str,
    origin: Origin | None = None,
    again: dict[str, Any] | None = None,
) -> Reservation | Refusal:
    """The hold (the lock kept for its job), or why not (nothing held, the lock free)."""
    if not await locks.acquire(user_id):
        return Refusal.BUSY
    try:
        reserved = await ledger.reserve(user_id, amount, key, reason, origin, again)
    except BaseException:
        await locks.release(user_id)
        raise
    if reserved.reservation is None or reserved.duplicate:
        await locks.release(user_id)
        return Refusal.INSUFFICIENT if reserved.reservation is None else Refusal.DUPLICATE
    return reserved.reservation


async def give_back(locks: UserLocks, ledger: Ledger, user_id: int, reservation_id: int) -> None:
    """Undoes `hold_under_lock` when its job could not be queued: the tokens back now (if
    still held) and the lock free."""
    try:
        if (reservation := await ledger.held(reservation_id)) is not None:
            await ledger.refund(reservation)
    finally:
        await locks.release(user_id)
