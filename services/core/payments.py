"""Telegram Stars (XTR) purchases: a tier for 30 days or a pack of PRO tokens.

A payment is credited exactly once per `telegram_payment_charge_id`: the credit is a
ledger entry keyed by the charge, written before the payment row, so a crash or a
replayed update can neither lose nor double it. A refund reverses it the same way."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from services.core.account_repo import AccountRepo
from services.core.ledger import Ledger
from services.core.models import Account, LedgerKind
from services.core.payment_repo import Charge, Payment, PaymentRepo, Product
from services.core.plans import Tier, effective_tier

__all__ = [
    "CURRENCY",
    "Credit",
    "CreditStatus",
    "Payment",
    "PaymentService",
    "Prices",
    "Product",
    "payload_for",
]

DAY = 86_400
PLAN_DAYS = 30
CURRENCY = "XTR"


@dataclass(frozen=True, slots=True)
class Prices:
    cosmic: int = 150
    universe: int = 350
    token_pack: int = 250
    token_pack_size: int = 100

    def of(self, product: Product) -> int:
        return {
            Product.COSMIC: self.cosmic,
            Product.UNIVERSE: self.universe,
            Product.TOKENS: self.token_pack,
        }[product]


class CreditStatus(StrEnum):
    CREDITED = "credited"
    DUPLICATE = "duplicate"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Credit:
    status: CreditStatus
    product: Product | None = None
    account: Account | None = None


def payload_for(product: Product, user_id: int) -> str:
    return f"{product.value}:{user_id}"


class PaymentService:
    def __init__(
        self, payments: PaymentRepo, ledger: Ledger, accounts: AccountRepo, prices: Prices
    ) -> None:
        self._payments = payments
        self._ledger = ledger
        self._accounts = accounts
        self.prices = prices

    def check(self, payload: str, currency: str, amount: int, user_id: int) -> Product | None:
        """The product a pre-checkout query is for, if everything about it is right."""
        name, _, buyer = payload.partition(":")
        try:
            product = Product(name)
        except ValueError:
            return None
        if buyer != str(user_id) or currency != CURRENCY or amount != self.prices.of(product):
            return None
        return product

    async def credit(
        self,
        user_id: int,
        charge_id: str,
        provider_charge_id: str | None,
        payload: str,
        currency: str,
        amount: int,
    ) -> Credit:
        product = self.check(payload, currency, amount, user_id)
        if product is None:
            return Credit(CreditStatus.INVALID)
        key = f"payment:{charge_id}"
        reason = f"paid {amount} {currency} for {product.value}"
        if product is Product.TOKENS:
            account = await self._ledger.grant(
                user_id, self.prices.token_pack_size, actor_id=0, note=reason, key=key
            )
        else:
            tier = Tier.COSMIC if product is Product.COSMIC else Tier.UNIVERSE
            account = await self._ledger.set_tier(
                user_id,
                tier.value,
                expires_at=await self._extended(user_id, tier),
                key=key,
                reason=reason,
                kind=LedgerKind.PAYMENT,
            )
        await self._payments.add(
            Charge(charge_id, provider_charge_id, user_id, product, amount, currency)
        )
        status = CreditStatus.CREDITED if account is not None else CreditStatus.DUPLICATE
        return Credit(status, product, account)

    async def payment(self, charge_id: str) -> Payment | None:
        return await self._payments.get(charge_id)

    async def reverse(self, payment: Payment, actor_id: int) -> Account | None:
        """Takes back what a refunded payment gave (once): the 30 days, or the tokens still
        there. Returns None when it was reversed before."""
        key = f"payment_refund:{payment.charge_id}"
        reason = f"refund of {payment.charge_id}"
        if payment.product is Product.TOKENS:
            current = await self._account(payment.user_id)
            take = min(self.prices.token_pack_size, current.balance)
            account = await self._ledger.take_back(
                payment.user_id, take, actor_id=actor_id, key=key, reason=reason
            )
        else:
            current = await self._account(payment.user_id)
            expires = (current.tier_expires_at or time.time()) - PLAN_DAYS * DAY
            tier = current.tier if expires > time.time() else Tier.FREE.value
            account = await self._ledger.set_tier(
                payment.user_id,
                tier,
                expires_at=expires if tier != Tier.FREE else None,
                key=key,
                reason=reason,
                actor_id=actor_id,
                kind=LedgerKind.PAYMENT_REFUND,
            )
        await self._payments.mark_refunded(payment.charge_id)
        return account

    async def _extended(self, user_id: int, tier: Tier) -> float:
        """30 days from now, or from the end of the same tier already paid for."""
        account = await self._account(user_id)
        now = time.time()
        current = effective_tier(account.tier, account.tier_expires_at, now)
        start = now
        if current is tier and account.tier_expires_at is not None:
            start = max(now, account.tier_expires_at)
        return start + PLAN_DAYS * DAY

    async def _account(self, user_id: int) -> Account:
        account = await self._accounts.get(user_id)
        if account is None:
            return Account(user_id=user_id, language="en", is_pro=False, allowance=0, bonus=0)
        return account
