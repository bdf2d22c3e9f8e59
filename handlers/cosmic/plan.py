"""/plan: buy a Cosmic Coach plan or a PRO token pack with Telegram Stars."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery
from aiogram.utils.i18n import gettext as _

from services.core.payments import CURRENCY, CreditStatus, PaymentService, Product, payload_for
from ui.common.callbacks import MenuAction, MenuCallback
from ui.cosmic import keyboards
from ui.cosmic.callbacks import PlanCallback
from ui.cosmic.texts import product_description, product_title

logger = logging.getLogger(__name__)


async def command_plan(message: Message, payments: PaymentService) -> None:
    labels = [
        (product.value, f"{product_title(product, payments)} · ⭐ {payments.prices.of(product)}")
        for product in Product
    ]
    await message.answer(
        _(
            "<b>Plans</b>\n"
            "Free: today's image of your sign.\n"
            "Cosmic: 3 personal images a week.\n"
            "Universe: unlimited, HD, avatars.\n\n"
            "Pay with Telegram Stars:"
        ),
        reply_markup=keyboards.plans(labels),
    )


async def process_plan(
    query: CallbackQuery, callback_data: PlanCallback, payments: PaymentService
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    product = Product(callback_data.product)
    title = product_title(product, payments)
    await query.message.answer_invoice(
        title=title,
        description=product_description(product),
        payload=payload_for(product, query.from_user.id),
        currency=CURRENCY,
        prices=[LabeledPrice(label=title, amount=payments.prices.of(product))],
    )


async def pre_checkout(query: PreCheckoutQuery, payments: PaymentService) -> None:
    product = payments.check(
        query.invoice_payload, query.currency, query.total_amount, query.from_user.id
    )
    if product is None:
        await query.answer(
            ok=False, error_message=_("This invoice is no longer valid. Please open /plan again.")
        )
        return
    await query.answer(ok=True)


async def successful_payment(message: Message, payments: PaymentService) -> None:
    paid = message.successful_payment
    if paid is None or message.from_user is None:
        return
    credit = await payments.credit(
        message.from_user.id,
        paid.telegram_payment_charge_id,
        paid.provider_payment_charge_id,
        paid.invoice_payload,
        paid.currency,
        paid.total_amount,
    )
    if credit.status is CreditStatus.INVALID:
        logger.error("payment %s does not match any product", paid.telegram_payment_charge_id)
        await message.answer(
            _("We received your payment but could not match it; an admin will sort it out.")
        )
    elif credit.status is CreditStatus.CREDITED and credit.product is not None:
        await message.answer(
            _("Thank you! {product} is yours. See /usage.").format(
                product=product_title(credit.product, payments)
            )
        )


async def menu_plan(query: CallbackQuery, payments: PaymentService) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await command_plan(query.message, payments)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_plan, Command("plan"))
    router.callback_query.register(menu_plan, MenuCallback.filter(F.action == MenuAction.PLAN))
    router.callback_query.register(process_plan, PlanCallback.filter(F.product.in_(set(Product))))
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, F.successful_payment)
    return router
