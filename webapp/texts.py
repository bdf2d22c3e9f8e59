"""The bot's own wording, in the caller's language, as plain text for JSON answers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

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
