"""✏️ Edit under a personal Cosmic Coach image: asks what to change (the one typed step,
cancellable), then holds one weekly use and queues the edit (bot/jobs/cosmic_edit.py)."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.common.editing import (
    ask_edit,
    asked_about,
    forget_edit,
    process_edit_not_text,
    take_edit,
)
from handlers.common.states import ArtEditForm
from services.core.jobs import JobQueue
from services.core.models import Account
from services.cosmic.editing import ArtEditing, ArtEditRequest, ArtEditStatus
from ui.common.texts import expired_text
from ui.cosmic import keyboards
from ui.cosmic.callbacks import ArtEditCallback, ArtEditCancelCallback
from ui.cosmic.editing import art_edit_cancelled, art_edit_question, art_edit_result_text
from ui.cosmic.texts import limit_text


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
    await ask_edit(state, ArtEditForm.request, image.id, query.message.html_text)
    question = art_edit_question(usage)
    await query.message.answer(question, reply_markup=keyboards.edit_question(image.id))


async def process_art_edit_request(
    message: Message,
    state: FSMContext,
    account: Account,
    art_editing: ArtEditing,
    jobs: JobQueue,
) -> None:
    typed = await take_edit(message, state, account.user_id)
    if typed is None:
        return
    request = ArtEditRequest(typed.subject, typed.words, typed.caption)
    outcome = await art_editing.queue_edit(account, request, typed.key, jobs, typed.where)
    if outcome.status is not ArtEditStatus.QUEUED:
        await typed.progress.edit_text(art_edit_result_text(outcome, typed.words))


async def process_art_edit_cancel(
    query: CallbackQuery, callback_data: ArtEditCancelCallback, state: FSMContext
) -> None:
    if await asked_about(state, ArtEditForm.request) != callback_data.image_id:
        await query.answer(expired_text(), show_alert=True)
        return
    await forget_edit(state)
    await query.answer()
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # too old to edit: the state is gone
            await query.message.edit_text(art_edit_cancelled())


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(process_art_edit, ArtEditCallback.filter())
    router.callback_query.register(process_art_edit_cancel, ArtEditCancelCallback.filter())
    typed = F.text & ~F.text.startswith("/")  # a command is still a command
    router.message.register(process_art_edit_request, ArtEditForm.request, typed)
    router.message.register(process_edit_not_text, ArtEditForm.request)
    return router
