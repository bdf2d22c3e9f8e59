"""How a Cosmic Coach image reaches the chat: the photo (by its known file_id, else
uploaded) with its caption and buttons, and what is said when none comes."""

from __future__ import annotations

from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from services.core.categories import Category
from services.cosmic.editing import editable
from services.cosmic.outcomes import CosmicOutcome, CosmicStatus
from services.cosmic.service import CosmicService, DeliverImage, ReadyImage
from services.generation.image_bytes import fit_for_photo
from ui.common.photos import Photo, send_reusing
from ui.cosmic import keyboards
from ui.cosmic.texts import cosmic_failure_text, limit_text, upgrade_text


def photo_sender(message: Message, text: str, cosmic: CosmicService) -> DeliverImage:
    """Sends by the known file_id; uploads when there is none or Telegram rejects it."""

    async def deliver(ready: ReadyImage) -> str | None:
        async def send(photo: Photo) -> Message:
            markup = keyboards.image_actions(ready.image.id, False, editable=editable(ready.image))
            return await message.answer_photo(photo, caption=text, reply_markup=markup)

        async def upload() -> BufferedInputFile:
            png = ready.png or await cosmic.image_png(ready.image)
            data, extension = await fit_for_photo(png)
            return BufferedInputFile(data, filename=f"cosmic-{ready.image.id}.{extension}")

        return await send_reusing(send, ready.file_id, upload) or ready.file_id

    return deliver


async def tell_outcome(message: Message, outcome: CosmicOutcome, category: Category) -> None:
    if outcome.status is CosmicStatus.UPGRADE:
        await message.answer(upgrade_text(category))
    elif outcome.status is CosmicStatus.LIMIT and outcome.resets_at is not None:
        await message.answer(limit_text(outcome.resets_at))
    elif outcome.status is CosmicStatus.BUSY:
        await message.answer(_("⏳ Still painting your last image — one moment."))
    elif outcome.status is CosmicStatus.FAILED:
        await message.answer(cosmic_failure_text(outcome.failure))
    elif outcome.status is CosmicStatus.STOPPED:
        await message.answer(_("⏹ Stopped. Your weekly use is back."))
