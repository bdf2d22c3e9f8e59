"""A delivered post's "4K": its picture at 3840 x 2160 as a document, made by a job. Free,
it is ordered at the press; when it costs tokens, the person is asked first."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n

from handlers.studio.filters import OwnPostFilter
from services.core.jobs import JobQueue
from services.core.models import Account
from services.studio.drafts import new_draft_key
from services.studio.four_k import FourKService, FourKStatus
from services.studio.models import StoredPost
from ui.common.chat import where_of
from ui.studio import keyboards
from ui.studio.callbacks import FourKCallback, PostAction, PostActionCallback
from ui.studio.four_k import four_k_declined, four_k_question, order_answer


async def order_four_k(
    query: CallbackQuery,
    post: StoredPost,
    account: Account,
    four_k: FourKService,
    jobs: JobQueue,
    key: str,
) -> None:
    """Queues the picture's job (the quick part) and answers the press with how it went."""
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    where = where_of(query.message, account.user_id, get_i18n().current_locale)
    outcome = await four_k.order(account, post, key, jobs, where)
    alert = outcome.status in (FourKStatus.INSUFFICIENT, FourKStatus.FAILED)
    await query.answer(order_answer(outcome), show_alert=alert)


async def process_post_four_k(
    query: CallbackQuery,
    post: StoredPost,
    account: Account,
    four_k: FourKService,
    jobs: JobQueue,
) -> None:
    if four_k.cost == 0:
        await order_four_k(query, post, account, four_k, jobs, key=query.id)
        return
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    await query.message.answer(
        four_k_question(four_k.cost, account.balance),
        reply_markup=keyboards.four_k_confirm(post.id, new_draft_key()),
    )


async def process_four_k_yes(
    query: CallbackQuery,
    callback_data: FourKCallback,
    post: StoredPost,
    account: Account,
    four_k: FourKService,
    jobs: JobQueue,
) -> None:
    await order_four_k(query, post, account, four_k, jobs, key=callback_data.nonce)


async def process_four_k_no(query: CallbackQuery) -> None:
    assert isinstance(query.message, Message)  # checked by OwnPostFilter
    await query.answer()
    await query.message.edit_text(four_k_declined())


def create_router() -> Router:
    router = Router(name=__name__)
    register = router.callback_query.register
    register(
        process_post_four_k,
        PostActionCallback.filter(F.action == PostAction.FOUR_K),
        OwnPostFilter(),
    )
    register(process_four_k_yes, FourKCallback.filter(F.confirm), OwnPostFilter())
    register(process_four_k_no, FourKCallback.filter(~F.confirm), OwnPostFilter())
    return router
