"""Admin commands. Everyone else gets no reaction at all."""

from __future__ import annotations

import time
from html import escape

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.common.filters import AdminFilter
from services.admin.costs import CostReport, CostSummary
from services.core.ledger import InsufficientTokensError, Ledger
from services.core.models import Account
from services.core.payments import PaymentService
from services.core.plans import Tier
from services.studio.service import StudioService
from ui.common.texts import balance_text

COST_PERIODS = (1, 7, 30)
MODEL_ROWS = 8


def action_key(message: Message, command: str) -> str:
    """Re-delivery of the same update must not apply an admin action twice."""
    return f"{command}:{message.chat.id}:{message.message_id}"


def parse_grant(args: str | None) -> tuple[int, int, str] | None:
    parts = (args or "").split(maxsplit=2)
    if len(parts) < 2:
        return None
    try:
        user_id, tokens = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    if user_id <= 0 or tokens == 0 or abs(tokens) > 1_000_000:
        return None
    return user_id, tokens, parts[2] if len(parts) == 3 else ""


async def command_grant_handler(message: Message, command: CommandObject, ledger: Ledger) -> None:
    parsed = parse_grant(command.args)
    if parsed is None:
        await message.answer(_("Usage: /grant &lt;user_id&gt; &lt;tokens&gt; [note]"))
        return
    user_id, tokens, note = parsed
    actor = message.from_user.id if message.from_user else 0
    try:
        account = await ledger.grant(
            user_id, tokens, actor_id=actor, note=note, key=action_key(message, "grant")
        )
    except InsufficientTokensError as error:
        await message.answer(
            _("Not done: the balance would go below zero (it is {balance}).").format(
                balance=error.args[0]
            )
        )
        return
    if account is not None:
        await message.answer(
            _("Done: {tokens:+d} tokens for {user_id}. Balance now: {balance}.").format(
                tokens=tokens, user_id=user_id, balance=account.balance
            )
        )


async def command_pro_handler(message: Message, command: CommandObject, ledger: Ledger) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1].lower() not in {"on", "off"}:
        await message.answer(_("Usage: /pro &lt;user_id&gt; on|off"))
        return
    on = parts[1].lower() == "on"
    actor = message.from_user.id if message.from_user else 0
    account = await ledger.set_pro(
        int(parts[0]), on, actor_id=actor, key=action_key(message, "pro")
    )
    if account is not None:
        text = (
            _("PRO is on for {user_id}. Balance: {balance}.")
            if on
            else _("PRO is off for {user_id}. Balance: {balance}.")
        )
        await message.answer(text.format(user_id=account.user_id, balance=account.balance))


async def command_admin_balance_handler(
    message: Message, account: Account, studio: StudioService, costs: CostReport
) -> None:
    """An admin's /balance: their own tokens, then what the providers cost."""
    summaries = [await costs.summary(days) for days in COST_PERIODS]
    await message.answer(f"{balance_text(account, studio.cost)}\n\n{cost_text(summaries)}")


def cost_text(summaries: list[CostSummary]) -> str:
    lines = [_("<b>Provider cost</b>")]
    lines += [
        _("Last {days} d: ${cost:.4f} for {calls} calls ({ok} succeeded)").format(
            days=s.days, cost=s.cost_usd, calls=s.calls, ok=s.succeeded
        )
        for s in summaries
    ]
    month = summaries[-1]
    if month.by_model:
        lines += ["", _("<b>By model, last {days} d</b>").format(days=month.days)]
        lines += [
            f"{escape(row.kind)} · {escape(row.provider)}:{escape(row.model)}: "
            f"${row.cost_usd:.4f} · {row.succeeded}/{row.calls}"
            for row in month.by_model[:MODEL_ROWS]
        ]
    return "\n".join(lines)


async def command_tier_handler(message: Message, command: CommandObject, ledger: Ledger) -> None:
    parts = (command.args or "").split()
    valid = 2 <= len(parts) <= 3 and parts[0].isdigit() and parts[1].lower() in set(Tier)
    if not valid or (len(parts) == 3 and not (parts[2].isdigit() and 0 < int(parts[2]) <= 3650)):
        await message.answer(_("Usage: /tier &lt;user_id&gt; free|cosmic|universe [days]"))
        return
    user_id, tier = int(parts[0]), Tier(parts[1].lower())
    days = int(parts[2]) if len(parts) == 3 else None
    expires_at = time.time() + days * 86_400 if days and tier is not Tier.FREE else None
    actor = message.from_user.id if message.from_user else 0
    account = await ledger.set_tier(
        user_id,
        tier.value,
        expires_at=expires_at,
        key=action_key(message, "tier"),
        actor_id=actor,
        reason=f"admin: {tier.value}" + (f" for {days} days" if days else ""),
    )
    if account is not None:
        until = (
            _("until {date}").format(date=time.strftime("%Y-%m-%d", time.gmtime(expires_at)))
            if expires_at
            else _("with no end date")
        )
        await message.answer(
            _("{user_id} is now on {tier}, {until}.").format(
                user_id=user_id, tier=tier.value, until=until
            )
        )


async def command_refund_payment_handler(
    message: Message, command: CommandObject, bot: Bot, payments: PaymentService
) -> None:
    charge_id = (command.args or "").strip()
    payment = await payments.payment(charge_id) if charge_id else None
    if payment is None:
        await message.answer(_("Usage: /refund_payment &lt;charge_id&gt; (no such payment)"))
        return
    if payment.status == "refunded":
        await message.answer(_("This payment was refunded already."))
        return
    try:
        await bot.refund_star_payment(
            user_id=payment.user_id, telegram_payment_charge_id=payment.charge_id
        )
    except TelegramBadRequest as error:
        await message.answer(
            _("Telegram refused the refund: {reason}").format(reason=escape(error.message))
        )
        return
    actor = message.from_user.id if message.from_user else 0
    account = await payments.reverse(payment, actor)
    balance = account.balance if account else 0
    await message.answer(
        _(
            "Refunded ⭐ {amount} to {user_id} and took back the purchase. Tokens now: {balance}."
        ).format(amount=payment.amount, user_id=payment.user_id, balance=balance)
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(AdminFilter())
    router.message.register(command_tier_handler, Command("tier"))
    router.message.register(command_refund_payment_handler, Command("refund_payment"))
    router.message.register(command_admin_balance_handler, Command("balance"))
    router.message.register(command_grant_handler, Command("grant"))
    router.message.register(command_pro_handler, Command("pro"))
    return router
