"""The bot's own wording, in the caller's language, as plain text for JSON answers."""

from __future__ import annotations

import base64
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
    """The language_code in `Authorization: tma <initData>`, or the `lang` claim of
    `Authorization: Bearer <token>`, signed or not (only to speak the caller's language
    when refusing them)."""
    scheme, _, raw = (authorization or "").partition(" ")
    if scheme.lower() == "bearer":
        return _token_language(raw.strip())
    try:
        user = json.loads(parse_qs(raw).get("user", ["{}"])[0])
    except ValueError:
        return None
    code = user.get("language_code") if isinstance(user, dict) else None
    return code if isinstance(code, str) else None


def _token_language(token: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) > 4096:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # not base64 (binascii.Error), not UTF-8 or not JSON
        return None
    code = claims.get("lang") if isinstance(claims, dict) else None
    return code if isinstance(code, str) else None
