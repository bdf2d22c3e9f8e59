"""Turning a post into Telegram HTML that fits: a photo caption (<= 1024 characters after
entity parsing) and the full post as text messages (<= 4096 each), never cut mid-word.

Every piece of post text is HTML-escaped here: it may come from a model or a user.
Telegram measures lengths in UTF-16 code units, so we do too.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from services.studio.models import PostText

CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096
TITLE_LIMIT = 200
TAIL_LIMIT = 400  # hashtags + call to action
ELLIPSIS = "…"


def visible_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def cut_at_word(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` that ends between words, plus an
    ellipsis when something was cut."""
    if visible_length(text) <= limit:
        return text
    room = limit - visible_length(ELLIPSIS)
    if room <= 0:
        return ""
    prefix = text.encode("utf-16-le")[: room * 2].decode("utf-16-le", errors="ignore")
    cut = max(prefix.rfind(" "), prefix.rfind("\n"))
    prefix = prefix[:cut] if cut > 0 else ""
    prefix = prefix.rstrip(" \n,;:—-")
    return f"{prefix}{ELLIPSIS}" if prefix else ""


@dataclass(frozen=True, slots=True)
class RenderedPost:
    caption: str
    """HTML for the photo caption."""
    complete: bool
    """True when the caption holds the whole post (no follow-up message needed)."""
    full_messages: tuple[str, ...]
    """HTML messages that carry the whole post, each within the message limit."""


def _parts(post: PostText, body: str) -> list[str]:
    title = cut_at_word(post.title.strip(), TITLE_LIMIT)
    tail = "\n".join(part for part in (" ".join(post.hashtags), post.link_line) if part)
    tail = cut_at_word(tail, TAIL_LIMIT)
    return [part for part in (title, body.strip(), tail) if part]


def _html(post: PostText, body: str) -> str:
    parts = _parts(post, body)
    if not parts:
        return ""
    title, *rest = parts
    return "\n\n".join(
        [f"<b>{escape(title, quote=False)}</b>"] + [escape(part, quote=False) for part in rest]
    )


def _plain_length(post: PostText, body: str) -> int:
    return visible_length("\n\n".join(_parts(post, body)))


def render_post(post: PostText) -> RenderedPost:
    complete = _plain_length(post, post.body) <= CAPTION_LIMIT
    if complete:
        caption = _html(post, post.body)
    else:
        frame = _plain_length(post, "x") - 1  # everything but the body
        caption = _html(post, cut_at_word(post.body.strip(), CAPTION_LIMIT - frame))
    return RenderedPost(
        caption=caption, complete=complete, full_messages=tuple(split_message(post))
    )


def split_message(post: PostText) -> list[str]:
    """The full post as HTML messages within the limit, split between paragraphs (or,
    for a giant paragraph, between words); only the first carries the bold title."""
    whole = _html(post, post.body)
    if _plain_length(post, post.body) <= MESSAGE_LIMIT:
        return [whole]
    messages: list[str] = []
    current = ""
    paragraphs = "\n\n".join(_parts(post, post.body)[1:]).split("\n\n")
    title = escape(cut_at_word(post.title.strip(), TITLE_LIMIT), quote=False)
    current_len = visible_length(title)
    current = f"<b>{title}</b>"
    for paragraph in paragraphs:
        for piece in _pieces(paragraph, MESSAGE_LIMIT):
            needed = visible_length(piece) + (2 if current else 0)
            if current and current_len + needed > MESSAGE_LIMIT:
                messages.append(current)
                current, current_len, needed = "", 0, visible_length(piece)
            current = (
                f"{current}\n\n{escape(piece, quote=False)}"
                if current
                else escape(piece, quote=False)
            )
            current_len += needed
    if current:
        messages.append(current)
    return messages


def _pieces(paragraph: str, limit: int) -> list[str]:
    pieces = []
    while visible_length(paragraph) > limit:
        head = cut_at_word(paragraph, limit + 1).removesuffix(ELLIPSIS)
        if not head:  # one word longer than a message: cut it hard
            head = paragraph.encode("utf-16-le")[: limit * 2].decode("utf-16-le", "ignore")
        pieces.append(head)
        paragraph = paragraph[len(head) :].lstrip()
    return [*pieces, paragraph] if paragraph else pieces
