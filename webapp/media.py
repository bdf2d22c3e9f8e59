"""/media: a user's images and share cards through signed URLs that expire. The URL names
an image id (and a card format), never a path; the signature binds it to the user it was
made for, and the image must still be theirs (a deleted image stops answering). A fetch
with `download=1` is a download: counted in the analytics (as the chat's), never cached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from services.core.image_repo import StoredImage
from services.cosmic.gallery import GalleryService
from services.sharing.cards import CardFormat
from services.studio.board import BoardJob
from services.studio.service import StudioService
from ui.sharing.texts import card_text
from webapp.deps import (
    AnalyticsDep,
    BoardDep,
    BotDep,
    CardsDep,
    CosmicDep,
    DefaultLocaleDep,
    GalleryDep,
    I18nDep,
    PostActionsDep,
    SignerDep,
    StudioDep,
)
from webapp.errors import MEDIA_PREFIX, N_, ApiError
from webapp.signing import ORIGINAL

media_router = APIRouter(prefix=MEDIA_PREFIX, tags=["media"], include_in_schema=False)

VARIANTS = "|".join([ORIGINAL, *(card.value for card in CardFormat)])


Uid = Annotated[int, Query(ge=1, le=2**62)]
Expires = Annotated[int, Query(ge=0, le=2**40)]
Signature = Annotated[str, Query(max_length=64)]


@media_router.get("/images/{image_id}/{variant}.png")
async def media_image(
    signer: SignerDep,
    gallery: GalleryDep,
    cosmic: CosmicDep,
    analytics: AnalyticsDep,
    cards: CardsDep,
    i18n: I18nDep,
    bot: BotDep,
    default_locale: DefaultLocaleDep,
    image_id: Annotated[int, Path(ge=1, le=2**62)],
    variant: Annotated[str, Path(pattern=f"^({VARIANTS})$")],
    u: Uid,
    e: Expires,
    s: Signature,
    l: Annotated[str, Query(max_length=8)] = "en",  # noqa: E741
    download: bool = False,
) -> Response:
    left = signer.check(f"image:{image_id}:{variant}:{l}", u, e, s)
    image = await _still_theirs(gallery, u, image_id)
    if variant == ORIGINAL:
        data = await cosmic.image_png(image)
    else:
        card_format = CardFormat(variant)
        locale = l if l in i18n.available_locales else default_locale
        me = await bot.me()
        with i18n.context(), i18n.use_locale(locale):
            text = card_text(image, me.username or "", u, cosmic.clock.today())
            card, png = await cards.card(image, card_format, locale, text)
        data = png if png is not None else cards.png(card)
    if not download:
        return _png(data, left, None)
    detail = ORIGINAL if variant == ORIGINAL else f"card:{variant}"  # as the chat counts them
    await analytics.download(image.id, u, detail)
    return _png(data, left, f"cosmic-{image_id}-{variant}.png")


@media_router.get("/images/{image_id}/thumb.jpg")
async def media_thumb(
    signer: SignerDep,
    gallery: GalleryDep,
    image_id: Annotated[int, Path(ge=1, le=2**62)],
    u: Uid,
    e: Expires,
    s: Signature,
) -> Response:
    left = signer.check(f"thumb:{image_id}", u, e, s)
    image = await _still_theirs(gallery, u, image_id)
    data = await gallery.thumbnail(image)
    headers = {"Cache-Control": f"private, max-age={int(left)}, immutable"}
    return Response(data, media_type="image/jpeg", headers=headers)


@media_router.get("/jobs/{job_id}.png")
async def media_job(
    signer: SignerDep,
    board: BoardDep,
    studio: StudioDep,
    job_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
    u: Uid,
    e: Expires,
    s: Signature,
) -> Response:
    """A studio job's picture, from "image ready" on; once the post is stored, only while
    its image is still in the owner's gallery (a deleted one stops answering here too)."""
    left = signer.check(f"job:{job_id}", u, e, s)
    job = await board.get(job_id)
    if job is None or job.user_id != u or (png := await board.image(job_id)) is None:
        raise ApiError(404, N_("This picture is in the gallery now: reopen the post."))
    if job.finished and not await _picture_kept(studio, job):
        raise ApiError(404, N_("This image is no longer in the gallery."))
    return _png(png, left, None)


@media_router.get("/jobs/{job_id}/4k.png")
async def media_four_k(
    signer: SignerDep,
    board: BoardDep,
    actions: PostActionsDep,
    job_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
    u: Uid,
    e: Expires,
    s: Signature,
) -> Response:
    """A Mini App 4K job's PNG (3840 x 2160), as a download, while its job is kept."""
    left = signer.check(f"four_k:{job_id}", u, e, s)
    job = await board.get(job_id)
    png = await actions.four_k_png(u, job_id) if job is not None and job.user_id == u else None
    if png is None:
        raise ApiError(404, N_("This link has expired or is not valid: reopen the app."))
    return _png(png, left, f"post-{job_id}-4k.png")


async def _picture_kept(studio: StudioService, job: BoardJob) -> bool:
    """Whether an ended job's picture is its stored post's, still in its owner's gallery
    (a failed job's picture was never stored)."""
    done = job.latest("done")
    post_id = done["result"]["post_id"] if done else None
    return post_id is not None and await studio.post_image(job.user_id, post_id) is not None


async def _still_theirs(gallery: GalleryService, user_id: int, image_id: int) -> StoredImage:
    """The image the URL was signed for, while it is still in its owner's gallery."""
    image = await gallery.owned(user_id, image_id)
    if image is None:
        raise ApiError(404, N_("This image is no longer in the gallery."))
    return image


def _png(data: bytes, left: float, download_name: str | None) -> Response:
    headers = {"Cache-Control": f"private, max-age={int(left)}, immutable"}
    if download_name is not None:  # each download is counted: never from a cache
        headers["Cache-Control"] = "private, no-store"
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return Response(data, media_type="image/png", headers=headers)
