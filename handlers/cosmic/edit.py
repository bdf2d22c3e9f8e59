"""✏️ Edit under a personal Cosmic Coach image: asks what to change (the one typed step,
cancellable), then holds one weekly use and queues the edit (bot/jobs/cosmic_edit.py)."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n

from handlers.common.states import ArtEditForm
from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.editing import ArtEditing, ArtEditRequest, ArtEditStatus
from services.generation.editing import clean_request
from ui.common.chat import where_of
from ui.common.editing import edit_request_empty, editing_text
from ui.common.texts import expired_text
from ui.cosmic import keyboards
from ui.cosmic.callbacks import ArtEditCallback, ArtEditCancelCallback
from ui.cosmic.editing import art_edit_cancelled, art_edit_question, art_edit_result_text
from ui.cosmic.texts import limit_text

EDITED_IMAGE = "art_edit_image"
"""The FSM data key of the image the person is asked about."""
EDITED_CAPTION = "art_edit_caption"
"""The FSM data key of that image's caption (HTML), as its photo showed it."""


async def process_art_edit(
    query: CallbackQuery,
    callback_data: ArtEditCallback,
    state: FSMContext,
    account: Account,
    art_editing: ArtEditing,
) -> None:
    image = await art_editing.own_editable(query.from_user.id, callback_data.image_id)
    if image is None or not isinstance(query.message, Message):
        await query.answer(expired_text(), show_alert=True)
        return
    await query.answer()
    usage = await art_editing.usage_of(account)
    if usage.remaining == 0:  # asked again when it is queued: this only spares the typing
        await query.message.answer(limit_text(usage.resets_at))
        return
    await state.set_state(ArtEditForm.request)
    await state.update_data({EDITED_IMAGE: image.id, EDITED_CAPTION: query.message.html_text})
    question = art_edit_question(usage)
    await query.message.answer(question, reply_markup=keyboards.edit_question(image.id))


async def process_art_edit_request(
    message: Message,
    state: FSMContext,
    account: Account,
    art_editing: ArtEditing,
    jobs: JobQueue,
) -> None:
    words = clean_request(message.text or "")
    if not words:
        await message.answer(edit_request_empty())
        return
    data = await state.get_data()
    image_id, caption = data.get(EDITED_IMAGE), data.get(EDITED_CAPTION)
    await _forget(state)
    if not isinstance(image_id, int) or not isinstance(caption, str):
        await message.answer(expired_text())
        return
    progress = await message.answer(editing_text(words))
    where = where_of(progress, account.user_id, get_i18n().current_locale)
    key = f"{message.chat.id}:{message.message_id}"
    request = ArtEditRequest(image_id, words, caption)
    outcome = await art_editing.queue_edit(account, request, key, jobs, where)
    if outcome.status is not ArtEditStatus.QUEUED:
        await progress.edit_text(art_edit_result_text(outcome, words))


async def process_art_edit_not_text(message: Message) -> None:
    await message.answer(edit_request_empty())


async def process_art_edit_cancel(
    query: CallbackQuery, callback_data: ArtEditCancelCallback, state: FSMContext
) -> None:
    data = await state.get_data()
    asked = await state.get_state() == ArtEditForm.request.state
    if not asked or data.get(EDITED_IMAGE) != callback_data.image_id:
        await query.answer(expired_text(), show_alert=True)
        return
    await _forget(state)
    await query.answer()
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # too old to edit: the state is gone
            await query.message.edit_text(art_edit_cancelled())


async def _forget(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({EDITED_IMAGE: None, EDITED_CAPTION: None})


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(process_art_edit, ArtEditCallback.filter())
    router.callback_query.register(process_art_edit_cancel, ArtEditCancelCallback.filter())
    typed = F.text & ~F.text.startswith("/")  # a command is still a command
    router.message.register(process_art_edit_request, ArtEditForm.request, typed)
    router.message.register(process_art_edit_not_text, ArtEditForm.request)
    return router
