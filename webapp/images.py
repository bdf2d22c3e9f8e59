"""Seed 003's image endpoints: Cosmic Coach art (the same tiers, weekly limits, cache and
costs as the chat, through CosmicService), the gallery, usage, favourites and share cards."""

from __future__ import annotations

import secrets
from typing import Annotated

from aiogram.utils.i18n import I18n
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.core.categories import Category, dump_params
from services.core.image_repo import StoredImage
from services.cosmic.astro import SIGNS_BY_KEY, Focus, Mood, daily_reading
from services.cosmic.gallery import GalleryService
from services.cosmic.kinds import AvatarParams, CosmicParams, DailyParams, MatchParams, MoonParams
from services.cosmic.moon import MoonPhase, moon_on
from services.cosmic.service import CosmicOutcome, CosmicService, CosmicStatus, ReadyImage
from services.sharing.analytics import SharePlatform
from services.sharing.cards import CardFormat
from ui.cosmic.texts import cosmic_failure_text, limit_text, upgrade_text
from ui.cosmic.words import TRAITS, trait_label
from ui.sharing.texts import card_text
from webapp.auth import Caller
from webapp.deps import (
    AnalyticsDep,
    BotDep,
    CallerDep,
    CardsDep,
    CosmicDep,
    GalleryDep,
    I18nDep,
    ProfileDep,
    SignerDep,
)
from webapp.errors import COMMON, FOUND, N_, ApiError, problem
from webapp.signing import MediaSigner
from webapp.texts import said, speaking

images_router = APIRouter(prefix="/images", tags=["images"], responses=COMMON)
SignKey = Annotated[str, Field(pattern=f"^({'|'.join(SIGNS_BY_KEY)})$")]
RequestId = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")
IMAGE_ID = Path(ge=1, le=2**62)
GENERATE_PROBLEMS = {
    **problem(403, "The plan does not include this (code: upgrade)"),
    **problem(409, "An image is being painted already"),
    **problem(429, "This week's images are used (code: limit)"),
    **problem(503, "The painters failed; the weekly use was given back"),
}


class ImageOut(BaseModel):
    id: int
    category: str
    params: dict[str, object]
    favourite: bool
    created_at: float
    image_url: str
    thumb_url: str
    """A small JPEG of it, for grids."""
    download_url: str
    cards: dict[str, str]
    """Each share card's URL (ig_square, ig_story, x, facebook)."""


class GenerateOut(BaseModel):
    image: ImageOut
    tier: str
    cached: bool = False


def image_out(signer: MediaSigner, who: Caller, image: StoredImage) -> ImageOut:
    url = signer.url(who.user_id, image.id)
    cards = {c.value: signer.url(who.user_id, image.id, c.value, who.locale) for c in CardFormat}
    return ImageOut(
        id=image.id,
        category=image.category.value,
        params=dump_params(image.params),
        favourite=image.favourite,
        created_at=image.created_at,
        image_url=url,
        thumb_url=signer.thumb_url(who.user_id, image.id),
        download_url=url + "&download=1",
        cards=cards,
    )


async def _no_telegram(ready: ReadyImage) -> str | None:
    return ready.file_id  # shown by the app from /media: nothing is sent to Telegram


def _answer(
    outcome: CosmicOutcome,
    params: CosmicParams,
    who: Caller,
    signer: MediaSigner,
    i18n: I18n,
) -> GenerateOut:
    """The image made, or why not (in the caller's language, as the chat says it)."""
    status, locale = outcome.status, who.locale
    if status is CosmicStatus.DONE and outcome.image is not None:
        return GenerateOut(image=image_out(signer, who, outcome.image), tier=outcome.tier.value)
    if status is CosmicStatus.UPGRADE:
        raise ApiError(
            403, said(i18n, locale, upgrade_text, params.category), "upgrade", translated=True
        )
    if status is CosmicStatus.LIMIT and outcome.resets_at is not None:
        raise ApiError(
            429, said(i18n, locale, limit_text, outcome.resets_at), "limit", translated=True
        )
    if status in {CosmicStatus.BUSY, CosmicStatus.DUPLICATE}:
        raise ApiError(409, N_("Still painting your last image: one moment."), "busy")
    text = said(i18n, locale, cosmic_failure_text, outcome.failure)
    raise ApiError(503, text, "failed", translated=True)


async def _personal(
    cosmic: CosmicService, who: Caller, params: CosmicParams, request_id: str | None
) -> CosmicOutcome:
    """Personal art, within the plan's weekly limit (a repeated `request_id` is one image)."""
    key = f"web:{request_id or secrets.token_hex(8)}"
    return await cosmic.create(who.account, params, key, _no_telegram)


class DailyIn(BaseModel):
    sign: SignKey | None = None
    """Default: the sign the user last chose."""
    energy: int | None = Field(default=None, ge=1, le=10)
    mood: Mood | None = None
    focus: Focus | None = None
    request_id: str | None = RequestId


@images_router.post("/generate/daily-energy", responses=GENERATE_PROBLEMS)
async def generate_daily(
    body: DailyIn,
    who: CallerDep,
    cosmic: CosmicDep,
    profile: ProfileDep,
    signer: SignerDep,
    i18n: I18nDep,
) -> GenerateOut:
    """Free plans get the day's shared image of the sign; paid plans their own."""
    sign = body.sign or who.account.sign
    if sign is None:
        raise ApiError(422, N_("sign: choose your zodiac sign"))
    await profile.set_sign(who.user_id, sign)
    reading = daily_reading(sign, cosmic.clock.today())
    params = DailyParams(
        sign, body.energy or reading.energy, body.mood or reading.mood, body.focus or reading.focus
    )
    if cosmic.tier_of(who.account).value == "free":
        outcome = await cosmic.shared_daily(who.account, sign, _no_telegram)
    else:
        outcome = await _personal(cosmic, who, params, body.request_id)
    return _answer(outcome, params, who, signer, i18n)


class AvatarIn(BaseModel):
    sun: SignKey
    moon: SignKey | None = None
    rising: SignKey | None = None
    traits: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=3
    )
    request_id: str | None = RequestId


@images_router.post("/generate/avatar", responses=GENERATE_PROBLEMS)
async def generate_avatar(
    body: AvatarIn, who: CallerDep, cosmic: CosmicDep, signer: SignerDep, i18n: I18nDep
) -> GenerateOut:
    with speaking(i18n, who.locale):
        traits = tuple(
            trait_label(t) if t in TRAITS else " ".join(t.split())[:30] for t in body.traits
        )
    traits = tuple(t for t in traits if t)
    params = AvatarParams(body.sun, body.moon or body.sun, body.rising or body.sun, traits)
    outcome = await _personal(cosmic, who, params, body.request_id)
    return _answer(outcome, params, who, signer, i18n)


class MatchIn(BaseModel):
    sign1: SignKey
    sign2: SignKey
    request_id: str | None = RequestId


@images_router.post("/generate/compatibility", responses=GENERATE_PROBLEMS)
async def generate_match(
    body: MatchIn, who: CallerDep, cosmic: CosmicDep, signer: SignerDep, i18n: I18nDep
) -> GenerateOut:
    params = MatchParams(body.sign1, body.sign2)
    outcome = await _personal(cosmic, who, params, body.request_id)
    return _answer(outcome, params, who, signer, i18n)


class MoonIn(BaseModel):
    phase: MoonPhase | None = None
    """Default: tonight's phase."""
    request_id: str | None = RequestId


@images_router.post("/generate/moon-ritual", responses=GENERATE_PROBLEMS)
async def generate_moon(
    body: MoonIn, who: CallerDep, cosmic: CosmicDep, signer: SignerDep, i18n: I18nDep
) -> GenerateOut:
    params = MoonParams(body.phase or moon_on(cosmic.clock.today()).phase)
    outcome = await _personal(cosmic, who, params, body.request_id)
    return _answer(outcome, params, who, signer, i18n)


class GalleryOut(BaseModel):
    images: list[ImageOut]
    total: int
    limit: int
    offset: int


@images_router.get("/my-gallery")
async def my_gallery(
    who: CallerDep,
    gallery: GalleryDep,
    signer: SignerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    category: Category | None = None,
    favourites: bool = False,
) -> GalleryOut:
    """The user's images, newest first; of one category, or favourites only."""
    images, total = await gallery.listing(
        who.user_id, limit, offset, category=category, favourites=favourites
    )
    items = [image_out(signer, who, image) for image in images]
    return GalleryOut(images=items, total=total, limit=limit, offset=offset)


async def owned(gallery: GalleryService, who: Caller, image_id: int) -> StoredImage:
    image = await gallery.owned(who.user_id, image_id)
    if image is None:
        raise ApiError(404, N_("No such image in your gallery."))
    return image


@images_router.get("/{image_id:int}", responses=FOUND)
async def one_image(
    who: CallerDep,
    gallery: GalleryDep,
    analytics: AnalyticsDep,
    signer: SignerDep,
    image_id: Annotated[int, IMAGE_ID],
) -> ImageOut:
    image = await owned(gallery, who, image_id)
    await analytics.view(image.id, who.user_id)
    return image_out(signer, who, image)


class FavouriteOut(BaseModel):
    id: int
    favourite: bool


@images_router.post("/{image_id:int}/favourite", responses=FOUND)
async def favourite(
    who: CallerDep,
    gallery: GalleryDep,
    analytics: AnalyticsDep,
    image_id: Annotated[int, IMAGE_ID],
) -> FavouriteOut:
    image = await owned(gallery, who, image_id)
    if await gallery.set_favourite(image, True):  # counted once per person and image
        await analytics.favourite(image.id, who.user_id)
    return FavouriteOut(id=image.id, favourite=True)


@images_router.delete("/{image_id:int}/favourite", responses=FOUND)
async def unfavourite(
    who: CallerDep, gallery: GalleryDep, image_id: Annotated[int, IMAGE_ID]
) -> FavouriteOut:
    image = await owned(gallery, who, image_id)
    await gallery.set_favourite(image, False)
    return FavouriteOut(id=image.id, favourite=False)


@images_router.delete("/{image_id:int}", status_code=204, responses=FOUND)
async def delete_image(
    who: CallerDep, gallery: GalleryDep, image_id: Annotated[int, IMAGE_ID]
) -> Response:
    image = await owned(gallery, who, image_id)
    await gallery.delete(image)
    return Response(status_code=204)


FORMAT_PLATFORMS = {
    CardFormat.SQUARE: SharePlatform.INSTAGRAM,
    CardFormat.STORY: SharePlatform.INSTAGRAM,
    CardFormat.X: SharePlatform.X,
    CardFormat.FACEBOOK: SharePlatform.FACEBOOK,
}


class ShareIn(BaseModel):
    format: CardFormat = CardFormat.SQUARE
    platform: SharePlatform | None = None
    """Where it goes; counted as a share (once per person, image and day) when set."""


@images_router.post(
    "/share/{image_id:int}",
    responses={**FOUND, 200: {"content": {"image/png": {}}, "description": "The card"}},
    response_class=Response,
)
async def share(
    body: ShareIn,
    who: CallerDep,
    gallery: GalleryDep,
    cards: CardsDep,
    analytics: AnalyticsDep,
    cosmic: CosmicDep,
    bot: BotDep,
    i18n: I18nDep,
    image_id: Annotated[int, IMAGE_ID],
) -> Response:
    """The image's share card in `format` (PNG); the share is counted (once a minute)."""
    image = await owned(gallery, who, image_id)
    me = await bot.me()
    with speaking(i18n, who.locale):
        text = card_text(image, me.username or "", who.user_id, cosmic.clock.today())
    card, png = await cards.card(image, body.format, who.locale, text)
    data = png if png is not None else cards.png(card)
    platform = body.platform or FORMAT_PLATFORMS[body.format]
    await analytics.share(image.id, who.user_id, platform, body.format.value)
    return Response(data, media_type="image/png")
