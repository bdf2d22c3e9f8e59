"""The bot's own wording, in the caller's language, as plain text for JSON answers."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec
from urllib.parse import parse_qs

from aiogram.utils.i18n import I18n

P = ParamSpec("P")
TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as text: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", text))


@contextmanager
def speaking(i18n: I18n, locale: str) -> Iterator[None]:
    """`gettext` (and so the handlers' text helpers) in `locale` within the block."""
    with i18n.context(), i18n.use_locale(locale):
        yield


def said(i18n: I18n, locale: str, text: Callable[P, str], *a: P.args, **k: P.kwargs) -> str:
    """One of the bot's text helpers, called in `locale`, as plain text."""
    with speaking(i18n, locale):
        return plain(text(*a, **k))


def claimed_language(authorization: str | None) -> str | None:
    """The language_code in `Authorization: tma <initData>`, signed or not (only to speak
    the caller's language when refusing them)."""
    raw = (authorization or "").partition(" ")[2]
    try:
        user = json.loads(parse_qs(raw).get("user", ["{}"])[0])
    except ValueError:
        return None
    code = user.get("language_code") if isinstance(user, dict) else None
    return code if isinstance(code, str) else None
