"""Plain data passed between services and handlers (no aiogram types here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReservationStatus(StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    REFUNDED = "refunded"


class LedgerKind(StrEnum):
    GRANT = "grant"
    RESERVE = "reserve"
    COMMIT = "commit"
    REFUND = "refund"
    MONTHLY_RESET = "monthly_reset"
    PRO_ON = "pro_on"
    PRO_OFF = "pro_off"
    TIER = "tier"
    PAYMENT = "payment"
    PAYMENT_REFUND = "payment_refund"


@dataclass(frozen=True, slots=True)
class Account:
    user_id: int
    language: str
    is_pro: bool
    allowance: int
    """Monthly PRO tokens: reset (not added to) on the 1st, spent first."""
    bonus: int
    """Granted or bought tokens: never expire, spent after the allowance."""
    referral_link: str | None = None
    tier: str = "free"
    """As stored; see services.tiers.effective_tier for expiry."""
    tier_expires_at: float | None = None
    sign: str | None = None
    """The zodiac sign the user last chose (remembered for /daily)."""

    @property
    def balance(self) -> int:
        return self.allowance + self.bonus


@dataclass(frozen=True, slots=True)
class Reservation:
    id: int
    user_id: int
    idempotency_key: str
    allowance_amount: int
    bonus_amount: int
    status: ReservationStatus
    created_at: float
    takeovers: int = 0
    """Times its run was taken over from a dead process (then resumed)."""

    @property
    def amount(self) -> int:
        return self.allowance_amount + self.bonus_amount


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    user_id: int
    kind: LedgerKind
    allowance_delta: int
    bonus_delta: int
    balance_after: int
    reason: str
    actor_id: int | None
    created_at: float

    @property
    def delta(self) -> int:
        return self.allowance_delta + self.bonus_delta


@dataclass(frozen=True, slots=True)
class GenerationRecord:
    """One provider call, as stored for cost and usage reports."""

    user_id: int
    kind: str
    provider: str
    model: str
    prompt: str
    status: str
    duration_ms: int
    post_id: int | None = None
    error: str | None = None
    cost_usd: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    image_path: str | None = None
