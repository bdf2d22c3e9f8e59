"""What a counted share sets off, wherever it was counted (the bot's chosen inline result,
the Mini App's story, the API's share card): the admins hear of an image that just went
viral, and the sharer of the reward this share earned."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from services.core.image_repo import StoredImage
from services.sharing.analytics import GrowthRules, ShareOutcome

logger = logging.getLogger(__name__)


async def tell_share_outcome(
    bot: Bot, outcome: ShareOutcome, rules: GrowthRules, user_id: int, admin_ids: frozenset[int]
) -> None:
    """Sends what `outcome` calls for (in the current locale); nothing when it calls for
    nothing. A person or admin Telegram refuses is logged, never raised."""
    if outcome.viral is not None:
        await tell_admins_viral(bot, outcome.viral, rules.viral_shares, admin_ids)
    if outcome.reward is not None:
        text = _(
            "You shared {count} times this month: a free Cosmic week is yours! See /usage."
        ).format(count=rules.reward_shares)
        try:
            await bot.send_message(user_id, text)
        except Exception:
            logger.exception("could not tell %s about their sharing reward", user_id)


async def tell_admins_viral(
    bot: Bot, image: StoredImage, threshold: int, admin_ids: frozenset[int]
) -> None:
    text = _("🔥 Image #{id} by {user_id} went viral: {count}+ shares in 24 h.").format(
        id=image.id, user_id=image.user_id, count=threshold
    )
    for admin_id in admin_ids:
        try:
            if image.file_id:
                await bot.send_photo(admin_id, image.file_id, caption=text)
            else:
                await bot.send_message(admin_id, text)
        except Exception:
            logger.exception("could not tell admin %s about viral image %s", admin_id, image.id)
