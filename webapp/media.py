"""/media: a user's images and share cards through signed URLs that expire. The URL names
an image id (and a card format), never a path; the signature binds it to the user it was
made for, and the image must still be theirs (a deleted image stops answering). A fetch
with `download=1` is a download: counted in the analytics (as the chat's), never cached."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from bot.app import App
from handlers.sharing.texts import card_text
from services.sharing.cards import CardFormat
from webapp.auth import AppDep
from webapp.errors import MEDIA_PREFIX, N_, ApiError
from webapp.jobs import JobRegistry

BUCKET = 600
"""Expiries are rounded up to this many seconds, so a page reloaded soon after gets the same
URLs (and the browser's cached files)."""
ORIGINAL = "original"

media_router = APIRouter(prefix=MEDIA_PREFIX, tags=["media"], include_in_schema=False)


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

    def job_url(self, user_id: int, job_id: str) -> str:
        """A studio job's picture, before the post is stored."""
        return f"{MEDIA_PREFIX}/jobs/{job_id}.png?{self._query(f'job:{job_id}', user_id)}"

    def check(self, subject: str, user_id: int, expires: int, sig: str) -> float:
        """Seconds the URL has left; ApiError 404 when it is forged or has expired."""
        expected = _signature(self._key, subject, user_id, expires)
        left = expires - time.time()
        if not hmac.compare_digest(expected, sig) or left <= 0:
            raise ApiError(404, N_("This link has expired or is not valid: reopen the app."))
        return left


def signer_of(app: App) -> MediaSigner:
    return MediaSigner(app.bot.token, app.settings.media_url_ttl)


VARIANTS = "|".join([ORIGINAL, *(card.value for card in CardFormat)])


@media_router.get("/images/{image_id}/{variant}.png")
async def media_image(
    app: AppDep,
    image_id: Annotated[int, Path(ge=1, le=2**62)],
    variant: Annotated[str, Path(pattern=f"^({VARIANTS})$")],
    u: Annotated[int, Query(ge=1, le=2**62)],
    e: Annotated[int, Query(ge=0, le=2**40)],
    s: Annotated[str, Query(max_length=64)],
    l: Annotated[str, Query(max_length=8)] = "en",  # noqa: E741
    download: bool = False,
) -> Response:
    left = signer_of(app).check(f"image:{image_id}:{variant}:{l}", u, e, s)
    services = app.services
    image = await services.cosmic.images.owned(u, image_id)
    if image is None:
        raise ApiError(404, N_("This image is no longer in the gallery."))
    if variant == ORIGINAL:
        data = await services.cosmic.image_png(image)
    else:
        card_format = CardFormat(variant)
        locale = l if l in app.i18n.available_locales else app.settings.default_locale
        me = await app.bot.me()
        with app.i18n.context(), app.i18n.use_locale(locale):
            text = card_text(image, me.username or "", u, services.cosmic.clock.today())
            card, png = await services.cards.card(image, card_format, locale, text)
        data = png if png is not None else services.cards.png(card)
    if not download:
        return _png(data, left, None)
    detail = ORIGINAL if variant == ORIGINAL else f"card:{variant}"  # as the chat counts them
    await services.analytics.download(image.id, u, detail)
    return _png(data, left, f"cosmic-{image_id}-{variant}.png")


@media_router.get("/jobs/{job_id}.png")
async def media_job(
    app: AppDep,
    request: Request,
    job_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
    u: Annotated[int, Query(ge=1, le=2**62)],
    e: Annotated[int, Query(ge=0, le=2**40)],
    s: Annotated[str, Query(max_length=64)],
) -> Response:
    left = signer_of(app).check(f"job:{job_id}", u, e, s)
    registry: JobRegistry = request.app.state.jobs
    job = registry.get(u, job_id)
    if job is None or job.image_png is None:
        raise ApiError(404, N_("This picture is in the gallery now: reopen the post."))
    return _png(job.image_png, left, None)


def _png(data: bytes, left: float, download_name: str | None) -> Response:
    headers = {"Cache-Control": f"private, max-age={int(left)}, immutable"}
    if download_name is not None:  # each download is counted: never from a cache
        headers["Cache-Control"] = "private, no-store"
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return Response(data, media_type="image/png", headers=headers)
