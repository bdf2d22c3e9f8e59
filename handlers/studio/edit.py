"""✏️ Edit picture under a delivered post: asks what to change (the one typed step), then
holds the token and queues the edit (bot/jobs/picture_edit.py does it)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n

from handlers.common.states import EditForm
from handlers.studio.filters import OwnPostFilter
from services.core.jobs import JobQueue
from services.core.models import Account
from services.generation.editing import clean_request
from services.studio.editing import EditJobRequest, EditStatus, PictureEditing
from services.studio.models import StoredPost
from ui.common.chat import where_of
from ui.common.editing import edit_request_empty, editing_text
from ui.common.texts import expired_text, not_pro_text
from ui.studio.callbacks import PostAction, PostActionCallback
from ui.studio.editing import edit_question, edit_result_text

EDITED_POST = "edit_post"
"""The FSM data key of the post whose picture the person is asked about."""
EDITED_CAPTION = "edit_caption"
"""The FSM data key of that post's caption (HTML), as its photo showed it."""


async def process_post_edit(
    query: CallbackQuery,
    post: StoredPost,
    state: FSMContext,
    account: Account,
    editing: PictureEditing,
) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    if not account.is_pro:
        await query.message.answer(not_pro_text(account.balance))
        return
    await state.set_state(EditForm.request)
    await state.update_data({EDITED_POST: post.id, EDITED_CAPTION: query.message.html_text})
    await query.message.answer(edit_question(editing.cost, account.balance))


async def process_edit_request(
    message: Message,
    state: FSMContext,
    account: Account,
    editing: PictureEditing,
    jobs: JobQueue,
) -> None:
    words = clean_request(message.text or "")
    if not words:
        await message.answer(edit_request_empty())
        return
    data = await state.get_data()
    post_id, caption = data.get(EDITED_POST), data.get(EDITED_CAPTION)
    await state.set_state(None)
    await state.update_data({EDITED_POST: None, EDITED_CAPTION: None})
    if not isinstance(post_id, int) or not isinstance(caption, str):
        await message.answer(expired_text())
        return
    progress = await message.answer(editing_text(words))
    where = where_of(progress, account.user_id, get_i18n().current_locale)
    key = f"{message.chat.id}:{message.message_id}"
    request = EditJobRequest(post_id, words, caption)
    outcome = await editing.queue_edit(account, request, key, jobs, where)
    if outcome.status is not EditStatus.QUEUED:
        await progress.edit_text(edit_result_text(outcome, words, editing.cost))


async def process_edit_not_text(message: Message) -> None:
    await message.answer(edit_request_empty())


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        process_post_edit, PostActionCallback.filter(F.action == PostAction.EDIT), OwnPostFilter()
    )
    typed = F.text & ~F.text.startswith("/")  # a command is still a command
    router.message.register(process_edit_request, EditForm.request, typed)
    router.message.register(process_edit_not_text, EditForm.request)
    return router
