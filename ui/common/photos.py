"""Pictures Telegram already has are sent by their file_id, never uploaded again: an
upload happens only when no file_id is known or Telegram no longer accepts it (then the
caller stores the new one). And a screen that would not change is not edited."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InputFile, Message

logger = logging.getLogger(__name__)

Photo = str | InputFile
"""A file_id Telegram knows, or a file to upload."""


def file_rejected(error: TelegramBadRequest) -> bool:
    """Telegram does not know (or no longer serves) the file_id it was given: "wrong file
    identifier/HTTP URL specified", "wrong remote file identifier specified: …",
    FILE_REFERENCE_EXPIRED. Other 400s (a caption too long…) would fail an upload too."""
    text = error.message.lower()
    return "file" in text and "identifier" in text or "file_reference" in text


def photo_id(sent: Message | bool) -> str | None:
    """The file_id of the largest size of the photo in what Telegram answered."""
    if isinstance(sent, Message) and sent.photo:
        return sent.photo[-1].file_id
    return None


async def send_reusing(
    send: Callable[[Photo], Awaitable[Message | bool]],
    file_id: str | None,
    upload: Callable[[], Awaitable[InputFile]],
) -> str | None:
    """Sends by `file_id` when one is known; uploads `await upload()` when none is or
    Telegram rejects it. Returns the file_id to store after an upload, None when nothing
    is new (the known file_id served)."""
    if file_id:
        try:
            await send(file_id)
        except TelegramBadRequest as error:
            if not file_rejected(error):
                raise
            logger.warning("Telegram rejected a stored file_id (%s): uploading again", error)
        else:
            return None
    return photo_id(await send(await upload()))
