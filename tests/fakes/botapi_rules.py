"""What a strict Bot API server checks before it accepts a call: the method and its fields
against the published spec (Bot API 10.3), HTML entities, and the documented limits."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent.parent / "data" / "telegram-bot-api-10.3.json.gz"

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
    "tg-time",
}
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


class BotAPIError(Exception):
    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


@cache
def spec() -> dict[str, Any]:
    with gzip.open(SPEC_PATH, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _methods() -> dict[str, Any]:
    """Method name (Telegram ignores its case) → its spec, with fields by name."""
    methods = {}
    for name, body in spec()["methods"].items():
        fields = {field["name"]: field for field in body.get("fields", [])}
        methods[name.lower()] = {**body, "fields_by_name": fields}
    return methods


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TOKEN = re.compile(r"<[^>]*>|&[^&<>]*?;|[<>&]")


def parse_html(text: str) -> str:
    """The plain text Telegram would show, or 400 "can't parse entities" like Telegram."""
    plain: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        plain.append(text[position : match.start()])
        position = match.end()
        token = match.group()
        if token.startswith("<") and token.endswith(">"):
            _check_tag(token[1:-1].strip(), stack, match.start())
        elif token.startswith("&") and _ENTITY.fullmatch(token):
            plain.append(_decode_entity(token[1:-1]))
        elif token == "&" or token.startswith("&"):
            raise bad_request(
                "can't parse entities: Character '&' is reserved and must be escaped "
                f"at byte offset {match.start()}"
            )
        elif token == "<":
            raise bad_request(f"can't parse entities: Unclosed start tag at {match.start()}")
        else:
            raise bad_request(
                f"can't parse entities: Character '>' is reserved at {match.start()}"
            )
    plain.append(text[position:])
    if stack:
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(plain)


def _decode_entity(name: str) -> str:
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


def _check_tag(tag: str, stack: list[str], offset: int) -> None:
    if tag.startswith("/"):
        name = tag[1:].strip().lower()
        if not stack or stack[-1] != name:
            raise bad_request(f'can\'t parse entities: Unmatched end tag "{name}" at {offset}')
        stack.pop()
        return
    name = tag.split()[0].lower() if tag else ""
    if name not in ALLOWED_TAGS:
        raise bad_request(
            f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
        )
    stack.append(name)


def visible_text(value: str, parse_mode: str | None) -> str:
    if parse_mode is None:
        return value
    if parse_mode.upper() == "HTML":
        return parse_html(value)
    raise bad_request(f"unsupported parse_mode {parse_mode!r} in this stand-in")


def check_fields(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Known method, no unknown fields, every required field present, JSON fields decoded."""
    body = _methods().get(method.lower())
    if body is None:
        raise BotAPIError(404, "Not Found: method not found")
    fields = body["fields_by_name"]
    unknown = set(params) - set(fields)
    if unknown:
        raise bad_request(f"unknown parameters {sorted(unknown)} for {body['name']}")
    decoded: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in params:
            if field["required"]:
                raise bad_request(f"{name} is required for {body['name']}")
            continue
        decoded[name] = _decode(params[name], field["types"], name)
    return decoded


def _decode(raw: Any, types: list[str], name: str) -> Any:
    if not isinstance(raw, str):
        return raw  # an uploaded file
    if any(t.startswith("Array") for t in types) or any(
        t[0].isupper() and t not in {"Integer", "String", "Boolean", "Float", "InputFile"}
        for t in types
    ):
        try:
            return json.loads(raw)
        except ValueError:
            if "String" in types:
                return raw
            raise bad_request(f"can't parse {name} JSON object") from None
    if types == ["Integer"]:
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f"{name} must be an Integer") from None
    if types == ["Boolean"]:
        if raw not in {"true", "false", "True", "False", "1", "0"}:
            raise bad_request(f"{name} must be a Boolean")
        return raw in {"true", "True", "1"}
    if "Integer" in types and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw


BUTTON_DECOR = frozenset({"text", "icon_custom_emoji_id", "style"})
"""InlineKeyboardButton's fields that are not its action: exactly one other must be set."""


@cache
def button_actions() -> frozenset[str]:
    fields = spec()["types"]["InlineKeyboardButton"]["fields"]
    return frozenset(field["name"] for field in fields) - BUTTON_DECOR


def check_reply_markup(markup: Any, chat_id: Any = None) -> None:
    """Inline keyboards as Telegram checks them: a text and exactly one action per button,
    callback data 1-64 bytes, web_app with an HTTPS URL and only in private chats (a user's
    chat id is positive; `chat_id` None: a private chat)."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("reply markup must be an object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_EMPTY")
            actions = set(button) & button_actions()
            unknown = set(button) - button_actions() - BUTTON_DECOR
            if len(actions) != 1 or unknown:
                raise bad_request("BUTTON_TYPE_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if "web_app" in button:
                _check_web_app(button["web_app"], chat_id)


def _check_web_app(web_app: Any, chat_id: Any) -> None:
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not re.fullmatch(r"https://[^/\s]+(/\S*)?", url):
        raise bad_request("BUTTON_URL_INVALID")
    if isinstance(chat_id, int) and chat_id < 0:
        raise bad_request("BUTTON_TYPE_INVALID")  # web_app buttons: private chats only


def check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    for command in commands:
        if not _COMMAND.match(command.get("command", "")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


def check_text(text: str, parse_mode: str | None, *, limit: int, minimum: int) -> str:
    plain = visible_text(text, parse_mode)
    length = utf16_length(plain.strip()) if minimum else utf16_length(plain)
    if length < minimum:
        raise bad_request("message text is empty")
    if utf16_length(plain) > limit:
        what = "message is too long" if limit == 4096 else "message caption is too long"
        raise bad_request(what)
    return plain
