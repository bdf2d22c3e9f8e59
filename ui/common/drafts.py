"""Text that is still being written, shown as it grows: in a private chat as a Telegram
draft (`sendMessageDraft`, with a Stop button), elsewhere (or when drafts are refused) by
editing the progress message. Only the newest text counts, so updates are sent at a pace
Telegram accepts and the ones in between are skipped, never queued: at most one draft per
chat every `interval` seconds, and a bucket shared by every process for the whole bot's
drafts. An edit is never sent with the text the message already shows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import Message

from services.infra.pacing import RateStore

logger = logging.getLogger(__name__)
DRAFT_LIMIT = 4096
BUCKET = "drafts"


@dataclass(frozen=True, slots=True)
class DraftPace:
    """How fast drafts may go: `rate` a second for the whole bot (shared in `rates`), and
    one per chat every `interval` seconds."""

    rates: RateStore
    rate: float = 100.0
    interval: float = 1.0


def draft_of_use(use_id: int) -> int:
    """The draft of a Cosmic Coach image is named after its weekly use, negated: a post's
    is its token hold's id (both positive), and Telegram takes any id but 0."""
    return -use_id


def use_of_draft(draft_id: int) -> int | None:
    """The weekly use a stopped draft belongs to (None: a post's draft)."""
    return -draft_id if draft_id < 0 else None


class Shown(StrEnum):
    DRAFT = "draft"
    EDIT = "edit"


class LiveText:
    """One growing text on one chat: `update` with the newest rendering (HTML), `close`
    when it is final (the message that replaces a draft is the caller's)."""

    def __init__(
        self,
        bot: Bot,
        message: Message,
        draft_id: int,
        pace: DraftPace,
        edit: Callable[[str], Awaitable[None]],
    ) -> None:
        self._bot, self._message, self._draft_id, self._pace = bot, message, draft_id, pace
        self._edit = edit
        """Shows a text on the progress message (the fallback); it skips no-op edits."""
        self.mode = Shown.DRAFT if message.chat.type == "private" else Shown.EDIT
        self._latest: str | None = None
        self._shown: str | None = None
        self._next_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def update(self, html: str) -> None:
        """The newest text; shown now, or at the next moment the pace allows."""
        if self._closed:
            return
        self._latest = html
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._show(), name="live-text")

    async def close(self) -> None:
        """Nothing more is shown (a pending update is dropped)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _show(self) -> None:
        """Shows the newest text at the pace allowed; never fails the post it belongs to
        (Telegram refusing, or the shared pace's Redis away: the text is shown no more)."""
        try:
            await self._show_newest()
        except Exception as error:  # noqa: BLE001 - a preview, never the post's end
            logger.warning("live text stopped: %r", error)

    async def _show_newest(self) -> None:
        while not self._closed and self._latest is not None and self._latest != self._shown:
            wait = self._next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            pace = self._pace
            if (bucket_wait := await pace.rates.take(BUCKET, pace.rate, pace.rate)) > 0:
                await asyncio.sleep(bucket_wait)
                continue
            text = self._latest
            self._next_at = time.monotonic() + self._pace.interval
            try:
                await self._send(text)
            except TelegramRetryAfter as error:
                self._next_at = time.monotonic() + error.retry_after
                continue
            self._shown = text

    async def _send(self, text: str) -> None:
        if self.mode is Shown.DRAFT:
            try:
                await self._bot.send_message_draft(
                    chat_id=self._message.chat.id,
                    draft_id=self._draft_id,
                    text=text[:DRAFT_LIMIT],
                    can_stop=True,
                )
                return
            except TelegramBadRequest as error:  # drafts refused here: edit instead
                logger.info("drafts refused in chat %s (%s)", self._message.chat.id, error)
                self.mode = Shown.EDIT
        await self._edit(text)


WORD_SECONDS = 0.15
"""How fast a text that is already written is told (a reading: ~400 words a minute);
drafts still go at their own pace, showing the newest."""


def growing(html: str) -> list[str]:
    """`html` told a word at a time: each prefix that ends before a space outside a tag,
    with the tags still open closed, so that each is valid Telegram HTML; the whole last."""
    prefixes, open_tags, at = [], list[str](), 0
    while at < len(html):
        if html[at] == "<":
            end = html.index(">", at)
            tag = html[at + 1 : end]
            if tag.startswith("/"):
                if open_tags:
                    open_tags.pop()
            else:
                open_tags.append(tag.split()[0])
            at = end + 1
            continue
        if html[at] in " \n" and at > 0:
            prefixes.append(html[:at] + "".join(f"</{t}>" for t in reversed(open_tags)))
        at += 1
    return [*prefixes, html]


@contextlib.asynccontextmanager
async def told_word_by_word(live: LiveText | None, html: str) -> AsyncIterator[None]:
    """Shows `html` growing a word every WORD_SECONDS while the body runs (the drafts at
    their pace); the live text is closed when the body ends."""
    if live is None:
        yield
        return

    async def tell() -> None:
        for prefix in growing(html):
            live.update(prefix)
            await asyncio.sleep(WORD_SECONDS)

    telling = asyncio.create_task(tell(), name="told-word-by-word")
    try:
        yield
    finally:
        telling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await telling
        await live.close()
