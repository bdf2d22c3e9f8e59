"""A strict, stateful stand-in for the Telegram Bot API (in process; see botapi_http.py for
the same over real HTTP). It keeps chats and messages, serves updates to one long-polling
consumer, and rejects every call that real Telegram would reject."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from tests.fakes import botapi_rules as rules
from tests.fakes.botapi_rules import BotAPIError, bad_request
from tests.fakes.telegram_more import MoreBotAPI

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Cosmic Studio",
    "username": "cosmic_studio_test_bot",
}
PHOTO_LIMIT = 10 * 1024 * 1024
DOCUMENT_LIMIT = 50 * 1024 * 1024


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    text: str | None = None
    caption: str | None = None
    reply_markup: Any = None
    photo: bytes | None = None
    document: bytes | None = None
    invoice: dict[str, Any] | None = None

    @property
    def visible(self) -> str:
        """What the user sees: text or caption with the HTML parsed away."""
        return rules.parse_html(self.text or self.caption or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


def image_size(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except OSError:
        raise bad_request("IMAGE_PROCESS_FAILED") from None


class FakeTelegram(MoreBotAPI):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.errors: list[tuple[Call, str]] = []
        """Calls answered with an error: a test of good behaviour expects none."""
        self.users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.files: dict[str, bytes] = {}
        self.updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._polling = False
        self.closed = False
        self.fail_next: dict[str, BotAPIError] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        """Star payments made (charge id → user id, amount, refunded)."""
        self._uploads: dict[str, bytes] = {}
        self.inline_answers: list[dict[str, Any]] = []
        self.invoice_links: list[dict[str, Any]] = []
        """createInvoiceLink's parameters, in order."""
        self.flood: tuple[int, int] | None = None
        """(n, seconds): every n-th message sent gets 429 "retry after" seconds."""
        self._sends = itertools.count(1)
        self.limit: tuple[float, float] | None = None
        """(rate, burst): Telegram's overall limit on messages sent, as a token bucket of
        `burst` refilled at `rate` a second; a send finding it empty is answered 429 with
        the whole seconds until a token is back (at least 1), as Telegram answers."""
        self.limited = 0
        """Sends answered 429 by `limit`."""
        self._bucket: tuple[float, float] | None = None
        self.drafts: list[dict[str, Any]] = []
        """sendMessageDraft's parameters, in order, each with "at" (perf_counter)."""
        self.draft_limit: tuple[float, float] | None = None
        """(rate, burst): drafts per chat, as a token bucket; over it, 429 as Telegram."""
        self._draft_buckets: dict[int, tuple[float, float]] = {}
        self.draft_limited = 0

    # ----- what users do -------------------------------------------------------------
    def add_user(self, user_id: int, first_name: str = "Ann", language: str = "en") -> dict:
        user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language,
        }
        self.users[user_id] = user
        return user

    def message_update(self, user_id: int, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user_id),
            "from": self.users[user_id],
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._queue({"message": message})

    def callback_update(self, user_id: int, message: StoredMessage, data: str) -> dict[str, Any]:
        query = {
            "id": secrets.token_hex(8),
            "from": self.users[user_id],
            "chat_instance": str(message.chat_id),
            "data": data,
            "message": self._message_json(message),
        }
        return self._queue({"callback_query": query})

    def stop_update(self, user_id: int, draft_id: int) -> dict[str, Any]:
        """The person presses Stop on the bot's draft `draft_id` (Bot API 10.3)."""
        stopped = {"chat": self._chat(user_id), "draft_id": draft_id}
        return self._queue({"stopped_message_generation": stopped})

    def drafts_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [d for d in self.drafts if d["chat_id"] == chat_id]

    def press(self, user_id: int, message: StoredMessage, text_part: str) -> dict[str, Any]:
        """Presses the button whose label contains `text_part`."""
        for button in message.buttons:
            if text_part in button["text"]:
                return self.callback_update(user_id, message, button["callback_data"])
        labels = [button["text"] for button in message.buttons]
        msg = f"no button with {text_part!r} in {labels}"
        raise AssertionError(msg)

    async def take_update(self) -> dict[str, Any] | None:
        """The oldest queued update, once there is one (for delivery by webhook); None
        once the server is going away."""
        while not self.updates and not self.closed:
            self._new_update.clear()
            await self._new_update.wait()
        return self.updates.pop(0) if self.updates else None

    def close(self) -> None:
        """Releases a waiting long poll at once (the server is going away)."""
        self.closed = True
        self._new_update.set()

    # ----- what tests look at --------------------------------------------------------
    def sent(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def photo_uploads(self, chat_id: int | None = None) -> list[bytes]:
        """The pictures sent as files (multipart uploads), not by file_id, in order."""
        calls = self.sent("sendPhoto", chat_id) + self.sent("editMessageMedia", chat_id)
        return [data for call in sorted(calls, key=lambda c: c.at) for data in call.files.values()]

    def forget_file(self, file_id: str) -> None:
        """Telegram no longer knows this file_id (another bot token, an expired file)."""
        del self.files[file_id]

    def chat_messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    def last_with_buttons(self, chat_id: int) -> StoredMessage:
        return [m for m in self.chat_messages(chat_id) if m.buttons][-1]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                msg = f"condition not met in {timeout}s; calls: {[c.method for c in self.calls]}"
                raise AssertionError(msg)
            await asyncio.sleep(0.01)

    # ----- the API -------------------------------------------------------------------
    async def handle(
        self, method: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        """Returns the JSON body Telegram would answer with."""
        try:
            result = await self._dispatch(method, params, files)
        except BotAPIError as error:
            self.errors.append((Call(method, params, files), error.description))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return body
        return {"ok": True, "result": result}

    async def _dispatch(self, method: str, raw: dict[str, Any], files: dict[str, bytes]) -> Any:
        resolved = {
            key: files[value.removeprefix("attach://")]
            if isinstance(value, str) and value.startswith("attach://")
            else value
            for key, value in raw.items()
        }
        params = rules.check_fields(method, resolved)
        self.calls.append(Call(method, params, files))
        self._uploads = files
        if method in self.fail_next:
            raise self.fail_next.pop(method)
        if self.flood and method in {"sendMessage", "sendPhoto", "copyMessage"}:
            every, seconds = self.flood
            if next(self._sends) % every == 0:
                raise BotAPIError(
                    429, f"Too Many Requests: retry after {seconds}", retry_after=seconds
                )
        if self.limit and method in {"sendMessage", "sendPhoto", "copyMessage"}:
            self._take_token(*self.limit)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return True
        return await handler(params)

    def _take_token(self, rate: float, burst: float) -> None:
        now = time.monotonic()
        tokens, at = self._bucket or (burst, now)
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1:
            self._bucket = (tokens, now)
            self.limited += 1
            wait = max(1, math.ceil((1 - tokens) / rate))
            raise BotAPIError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self._bucket = (tokens - 1, now)

    async def _getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return BOT_USER

    async def _getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if self.webhook is not None:
            raise BotAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is "
                "active; use deleteWebhook to delete the webhook first",
            )
        if self._polling:
            raise BotAPIError(409, "Conflict: terminated by other getUpdates request")
        self._polling = True
        try:
            offset = params.get("offset", 0)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and not self.closed:
                self._new_update.clear()
                try:
                    await asyncio.wait_for(self._new_update.wait(), params.get("timeout", 0))
                except TimeoutError:
                    return []
            return self.updates[: params.get("limit", 100)]
        finally:
            self._polling = False

    async def _setMyCommands(self, params: dict[str, Any]) -> Any:  # noqa: N802
        rules.check_commands(params["commands"])
        return True

    async def _sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self._target(params["chat_id"])
        rules.check_text(params["text"], params.get("parse_mode"), limit=4096, minimum=1)
        rules.check_reply_markup(params.get("reply_markup"), params.get("chat_id"))
        return self._store(params, text=params["text"])

    async def _sendPhoto(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self._target(params["chat_id"])
        photo = self._file(params["photo"], PHOTO_LIMIT)
        width, height = image_size(photo)
        if width + height > 10000 or max(width, height) / min(width, height) > 20:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        self._caption(params)
        return self._store(params, caption=params.get("caption"), photo=photo)

    async def _sendMediaGroup(self, params: dict[str, Any]) -> Any:  # noqa: N802
        """An album of 2–10 photos, each uploaded (attach://) or by file_id."""
        self._target(params["chat_id"])
        media = params["media"]
        items = json.loads(media) if isinstance(media, str) else media
        if not 2 <= len(items) <= 10:
            raise bad_request("MEDIA_GROUP_INVALID: 2 to 10 items")
        sent = []
        for item in items:
            if item.get("type") != "photo":
                raise bad_request("only photo albums here")
            value = item["media"]
            if isinstance(value, str) and value.startswith("attach://"):
                value = self._uploads[value.removeprefix("attach://")]
            photo = self._file(value, PHOTO_LIMIT)
            image_size(photo)
            sent.append(self._store({"chat_id": params["chat_id"]}, photo=photo))
        return sent

    async def _sendDocument(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self._target(params["chat_id"])
        document = self._file(params["document"], DOCUMENT_LIMIT)
        self._caption(params)
        return self._store(params, caption=params.get("caption"), document=document)

    async def _editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self._existing(params)
        rules.check_text(params["text"], params.get("parse_mode"), limit=4096, minimum=1)
        rules.check_reply_markup(params.get("reply_markup"), params.get("chat_id"))
        markup = params.get("reply_markup")
        if message.text == params["text"] and message.reply_markup == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.text, message.reply_markup = params["text"], markup
        return self._message_json(message)

    async def _sendMessageDraft(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = self._target(params["chat_id"])  # users' chats: private only
        if params["draft_id"] == 0:
            raise bad_request("draft_id must be non-zero")
        rules.check_text(params.get("text", ""), params.get("parse_mode"), limit=4096, minimum=0)
        if self.draft_limit is not None:
            rate, burst = self.draft_limit
            now = time.monotonic()
            tokens, at = self._draft_buckets.get(chat_id, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            if tokens < 1:
                self._draft_buckets[chat_id] = (tokens, now)
                self.draft_limited += 1
                wait = max(1, math.ceil((1 - tokens) / rate))
                raise BotAPIError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            self._draft_buckets[chat_id] = (tokens - 1, now)
        self.drafts.append({**params, "at": time.perf_counter()})
        return True

    async def _editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self._existing(params)
        markup = params.get("reply_markup")
        rules.check_reply_markup(markup, params.get("chat_id"))
        if message.reply_markup == markup or (not message.buttons and not markup):
            raise bad_request("message is not modified")
        message.reply_markup = markup
        return self._message_json(message)

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if len(params.get("text", "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    # ----- helpers -------------------------------------------------------------------
    def _queue(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        self.updates.append(update)
        self._new_update.set()
        return update

    def _chat(self, chat_id: int) -> dict[str, Any]:
        user = self.users[chat_id]
        return {"id": chat_id, "type": "private", "first_name": user["first_name"]}

    def _target(self, chat_id: Any) -> int:
        if not isinstance(chat_id, int) or chat_id not in self.users:
            raise bad_request("chat not found")
        if chat_id in self.blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _existing(self, params: dict[str, Any]) -> StoredMessage:
        key = (self._target(params.get("chat_id")), params.get("message_id"))
        if key not in self.messages:
            raise bad_request("message to edit not found")
        return self.messages[key]

    def _file(self, value: Any, limit: int) -> bytes:
        data = self.files.get(value) if isinstance(value, str) else value
        if data is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if len(data) > limit:
            raise BotAPIError(413, "Request Entity Too Large")
        return data

    def _caption(self, params: dict[str, Any]) -> None:
        if "caption" in params:
            rules.check_text(params["caption"], params.get("parse_mode"), limit=1024, minimum=0)
        rules.check_reply_markup(params.get("reply_markup"), params.get("chat_id"))

    def _store(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = StoredMessage(
            chat_id=params["chat_id"],
            message_id=next(self._message_ids),
            reply_markup=params.get("reply_markup"),
            **content,
        )
        self.messages[(message.chat_id, message.message_id)] = message
        return self._message_json(message)

    def _message_json(self, message: StoredMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "from": BOT_USER,
            "chat": self._chat(message.chat_id),
        }
        if message.text is not None:
            body["text"] = rules.parse_html(message.text)
        if message.caption is not None:
            body["caption"] = rules.parse_html(message.caption)
        if message.photo is not None:
            body["photo"] = [self._photo_size(message.photo)]
        if message.document is not None:
            file_id = self._remember(message.document)
            body["document"] = {
                "file_id": file_id,
                "file_unique_id": file_id[:16],
                "file_size": len(message.document),
            }
        if message.invoice is not None:
            body["invoice"] = {
                "title": message.invoice["title"],
                "description": message.invoice["description"],
                "start_parameter": "",
                "currency": message.invoice["currency"],
                "total_amount": message.invoice["amount"],
            }
        if message.reply_markup:
            body["reply_markup"] = message.reply_markup
        return body

    def _photo_size(self, photo: bytes) -> dict[str, Any]:
        width, height = image_size(photo)
        file_id = self._remember(photo)
        return {
            "file_id": file_id,
            "file_unique_id": file_id[:16],
            "width": width,
            "height": height,
            "file_size": len(photo),
        }

    def _remember(self, data: bytes) -> str:
        for file_id, stored in self.files.items():
            if stored is data:
                return file_id
        file_id = "AgAC" + secrets.token_urlsafe(24)
        self.files[file_id] = data
        return file_id
