"""✏️ Edit picture under a delivered post: asks what to change (the one typed step), then
holds the token and queues the edit (bot/jobs/picture_edit.py does it)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.common.editing import ask_edit, process_edit_not_text, take_edit
from handlers.common.states import EditForm
from handlers.studio.filters import OwnPostFilter
from services.core.jobs import JobQueue
from services.core.models import Account
from services.studio.editing import EditJobRequest, EditStatus, PictureEditing
from services.studio.models import StoredPost
from ui.common.texts import not_pro_text
from ui.studio.callbacks import PostAction, PostActionCallback
from ui.studio.editing import edit_question, edit_result_text


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
    await ask_edit(state, EditForm.request, post.id, query.message.html_text)
    await query.message.answer(edit_question(editing.cost, account.balance))


async def process_edit_request(
    message: Message,
    state: FSMContext,
    account: Account,
    editing: PictureEditing,
    jobs: JobQueue,
) -> None:
    typed = await take_edit(message, state, account.user_id)
    if typed is None:
        return
    request = EditJobRequest(typed.subject, typed.words, typed.caption)
    outcome = await editing.queue_edit(account, request, typed.key, jobs, typed.where)
    if outcome.status is not EditStatus.QUEUED:
        await typed.progress.edit_text(edit_result_text(outcome, typed.words, editing.cost))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        process_post_edit, PostActionCallback.filter(F.action == PostAction.EDIT), OwnPostFilter()
    )
    typed = F.text & ~F.text.startswith("/")  # a command is still a command
    router.message.register(process_edit_request, EditForm.request, typed)
    router.message.register(process_edit_not_text, EditForm.request)
    return router
