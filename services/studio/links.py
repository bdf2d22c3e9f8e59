"""Checking the referral link a partner types."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

MAX_LINK_LENGTH = 200


class LinkProblem(StrEnum):
    TOO_LONG = "too_long"
    NOT_HTTP = "not_http"
    MALFORMED = "malformed"


def check_referral_link(text: str) -> str | LinkProblem:
    """The cleaned link, or what is wrong with it."""
    link = text.strip()
    if len(link) > MAX_LINK_LENGTH:
        return LinkProblem.TOO_LONG
    try:
        parts = urlsplit(link)
        hostname = parts.hostname
    except ValueError:
        return LinkProblem.MALFORMED
    if parts.scheme.lower() not in {"http", "https"}:
        return LinkProblem.NOT_HTTP
    if not hostname or "." not in hostname or any(c.isspace() or ord(c) < 32 for c in link):
        return LinkProblem.MALFORMED
    return link
