"""Media URLs that expire and are bound to one user: an HMAC over what the URL names, the
user and the expiry, keyed by a key derived from the bot token (so every web process and
worker signs alike)."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from urllib.parse import urlencode

from webapp.errors import MEDIA_PREFIX, N_, ApiError

BUCKET = 600
"""Expiries are rounded up to this many seconds, so a page reloaded soon after gets the same
URLs (and the browser's cached files)."""
ORIGINAL = "original"


def media_key(token: str) -> bytes:
    """The signing key of media URLs, derived from (never equal to) the bot token."""
    return hmac.new(b"cosmic-studio-media", token.encode(), hashlib.sha256).digest()


def _signature(key: bytes, subject: str, user_id: int, expires: int) -> str:
    message = f"{subject}:{user_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


class MediaSigner:
    def __init__(self, token: str, ttl: int) -> None:
        self._key = media_key(token)
        self._ttl = ttl

    def _query(self, subject: str, user_id: int, **extra: str) -> str:
        expires = math.ceil((time.time() + self._ttl) / BUCKET) * BUCKET
        signature = _signature(self._key, subject, user_id, expires)
        return urlencode({**extra, "u": user_id, "e": expires, "s": signature})

    def url(self, user_id: int, image_id: int, variant: str = ORIGINAL, locale: str = "en") -> str:
        """An image of the gallery (or one of its cards, in `locale`)."""
        subject = f"image:{image_id}:{variant}:{locale}"
        query = self._query(subject, user_id, l=locale)
        return f"{MEDIA_PREFIX}/images/{image_id}/{variant}.png?{query}"

    def thumb_url(self, user_id: int, image_id: int) -> str:
        """A small JPEG of a gallery image, for grids."""
        query = self._query(f"thumb:{image_id}", user_id)
        return f"{MEDIA_PREFIX}/images/{image_id}/thumb.jpg?{query}"

    def job_url(self, user_id: int, job_id: str) -> str:
        """A studio job's picture, before the post is stored."""
        return f"{MEDIA_PREFIX}/jobs/{job_id}.png?{self._query(f'job:{job_id}', user_id)}"

    def four_k_url(self, user_id: int, job_id: str) -> str:
        """A Mini App job's 4K picture, as a download."""
        query = self._query(f"four_k:{job_id}", user_id)
        return f"{MEDIA_PREFIX}/jobs/{job_id}/4k.png?{query}"

    def check(self, subject: str, user_id: int, expires: int, sig: str) -> float:
        """Seconds the URL has left; ApiError 404 when it is forged or has expired."""
        expected = _signature(self._key, subject, user_id, expires)
        left = expires - time.time()
        if not hmac.compare_digest(expected, sig) or left <= 0:
            raise ApiError(404, N_("This link has expired or is not valid: reopen the app."))
        return left
