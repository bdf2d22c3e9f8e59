"""/usage: your plan, this week's images, your daily subscription and your referrals."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from handlers.cosmic.subscribe_screens import usage_lines
from services.core.models import Account
from services.cosmic.service import CosmicService
from services.cosmic.subscriptions import SubscriptionService
from services.sharing.analytics import Analytics
from ui.cosmic.texts import referral_text, usage_text


async def command_usage(
    message: Message,
    account: Account,
    cosmic: CosmicService,
    analytics: Analytics,
    subscriptions: SubscriptionService,
) -> None:
    usage = usage_text(await cosmic.usage_of(account), account.balance)
    invited = await analytics.referrals(account.user_id)
    subscription = await subscriptions.subscription(account.user_id)
    daily = usage_lines(subscription, cosmic.clock.zone.key)
    await message.answer(f"{usage}\n{daily}\n{referral_text(invited)}")


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(command_usage, Command("usage"))
    return router
