"""The open Viral Studio draft, kept in the FSM: its steps and their screens, and the
checks every step's button makes. Shared by the wizard and the post routers."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.common.states import StudioForm
from services.core.models import Account
from services.studio.service import StudioService, new_draft_key
from ui.common.texts import expired_text
from ui.studio.wizard import eligibility_problem, screen


async def go_to(step: str, state: FSMContext, **changes: Any) -> dict[str, Any]:
    await state.set_state(StudioForm.link if step == "link" else StudioForm.choosing)
    return await state.update_data(step=step, **changes)


async def current_draft(
    query: CallbackQuery, state: FSMContext, draft: str, needs: str | None = None
) -> dict[str, Any] | None:
    """The wizard data when the pressed button belongs to the open draft (and the earlier
    choice `needs` was made), else None after telling the user the button has expired."""
    data = await state.get_data()
    if data.get("draft") != draft or (needs is not None and needs not in data):
        await query.answer(expired_text(), show_alert=True)
        return None
    return data


async def open_studio(
    message: Message,
    state: FSMContext,
    account: Account,
    studio: StudioService,
    app_url: str | None = None,
) -> None:
    """A new draft at its first step (or why the person cannot make posts)."""
    if problem := eligibility_problem(account, studio):
        await message.answer(problem)
        return
    await state.clear()
    data = await go_to("type", state, draft=new_draft_key())
    text, markup = screen("type", data, account, studio, app_url, message.chat.type)
    await message.answer(text, reply_markup=markup)
