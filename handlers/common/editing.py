"""The typed step of ✏️ Edit, for a studio post's picture and a Cosmic Coach image alike:
what is being edited is written down when the question is asked, and the answer is read
back with it (or told why there is nothing to do)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message
from aiogram.utils.i18n import get_i18n

from services.core.jobs import Where
from services.generation.editing import clean_request
from ui.common.chat import where_of
from ui.common.editing import edit_request_empty, editing_text
from ui.common.texts import expired_text

EDITED = "edit_subject"
"""The FSM data key of what the person is asked about (a post's or an image's id)."""
CAPTION = "edit_caption"
"""The FSM data key of its caption (HTML), as its photo showed it."""


@dataclass(frozen=True, slots=True)
class TypedEdit:
    """An answered question: what to edit, the cleaned words, the progress message (and
    `where` it is, for the job) and the idempotency key of the answer."""

    subject: int
    words: str
    caption: str
    progress: Message
    where: Where
    key: str


async def ask_edit(state: FSMContext, asking: State, subject: int, caption: str) -> None:
    await state.set_state(asking)
    await state.update_data({EDITED: subject, CAPTION: caption})


async def asked_about(state: FSMContext, asking: State) -> int | None:
    """What the person is being asked about in `asking`; None when not asked."""
    if await state.get_state() != asking.state:
        return None
    subject = (await state.get_data()).get(EDITED)
    return subject if isinstance(subject, int) else None


async def forget_edit(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({EDITED: None, CAPTION: None})


async def take_edit(message: Message, state: FSMContext, user_id: int) -> TypedEdit | None:
    """The typed answer, with the progress message sent; None once the person was told
    why nothing happens (no words: asked again; nothing asked about any more: expired)."""
    words = clean_request(message.text or "")
    if not words:
        await message.answer(edit_request_empty())
        return None
    data = await state.get_data()
    subject, caption = data.get(EDITED), data.get(CAPTION)
    await forget_edit(state)
    if not isinstance(subject, int) or not isinstance(caption, str):
        await message.answer(expired_text())
        return None
    progress = await message.answer(editing_text(words))
    where = where_of(progress, user_id, get_i18n().current_locale)
    key = f"{message.chat.id}:{message.message_id}"
    return TypedEdit(subject, words, caption, progress, where, key)


async def process_edit_not_text(message: Message) -> None:
    await message.answer(edit_request_empty())
