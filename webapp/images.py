"""Seed 003's image endpoints: Cosmic Coach art (the same tiers, weekly limits, cache and
costs as the chat, through CosmicService), the gallery, usage, favourites and share cards."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.core.categories import Category, dump_params
from services.core.image_repo import StoredImage
from services.cosmic.astro import SIGNS_BY_KEY, Focus, Mood, daily_reading
from services.cosmic.kinds import AvatarParams, CosmicParams, DailyParams, MatchParams, MoonParams
from services.cosmic.moon import MoonPhase, moon_on
from services.cosmic.service import CosmicOutcome, CosmicStatus, ReadyImage
from services.sharing.cards import CardFormat
from ui.cosmic.keyboards import TRAITS, trait_label
from ui.cosmic.texts import cosmic_failure_text, limit_text, upgrade_text
from ui.sharing.texts import card_text
from webapp.auth import AppDep, Caller, CallerDep
from webapp.errors import COMMON, FOUND, N_, ApiError, problem
from webapp.media import signer_of
from webapp.texts import said, speaking

images_router = APIRouter(prefix="/api/images", tags=["images"], responses=COMMON)
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


def image_out(app: AppDep, who: Caller, image: StoredImage) -> ImageOut:
    signer = signer_of(app)
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


def _answer(app: AppDep, who: Caller, outcome: CosmicOutcome, params: CosmicParams) -> GenerateOut:
    status, i18n, locale = outcome.status, app.i18n, who.locale
    if status is CosmicStatus.DONE and outcome.image is not None:
        return GenerateOut(image=image_out(app, who, outcome.image), tier=outcome.tier.value)
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


async def _create(
    app: AppDep, who: Caller, params: CosmicParams, request_id: str | None
) -> GenerateOut:
    key = f"web:{request_id or secrets.token_hex(8)}"
    outcome = await app.services.cosmic.create(who.account, params, key, _no_telegram)
    return _answer(app, who, outcome, params)


class DailyIn(BaseModel):
    sign: SignKey | None = None
    """Default: the sign the user last chose."""
    energy: int | None = Field(default=None, ge=1, le=10)
    mood: Mood | None = None
    focus: Focus | None = None
    request_id: str | None = RequestId


@images_router.post("/generate/daily-energy", responses=GENERATE_PROBLEMS)
async def generate_daily(body: DailyIn, who: CallerDep, app: AppDep) -> GenerateOut:
    """Free plans get the day's shared image of the sign; paid plans their own."""
    cosmic = app.services.cosmic
    sign = body.sign or who.account.sign
    if sign is None:
        raise ApiError(422, N_("sign: choose your zodiac sign"))
    await app.services.accounts.set_sign(who.user_id, sign)
    reading = daily_reading(sign, cosmic.clock.today())
    params = DailyParams(
        sign, body.energy or reading.energy, body.mood or reading.mood, body.focus or reading.focus
    )
    if cosmic.tier_of(who.account).value == "free":
        outcome = await cosmic.shared_daily(who.account, sign, _no_telegram)
        return _answer(app, who, outcome, params)
    return await _create(app, who, params, body.request_id)


class AvatarIn(BaseModel):
    sun: SignKey
    moon: SignKey | None = None
    rising: SignKey | None = None
    traits: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=3
    )
    request_id: str | None = RequestId


@images_router.post("/generate/avatar", responses=GENERATE_PROBLEMS)
async def generate_avatar(body: AvatarIn, who: CallerDep, app: AppDep) -> GenerateOut:
    with speaking(app.i18n, who.locale):
        traits = tuple(
            trait_label(t) if t in TRAITS else " ".join(t.split())[:30] for t in body.traits
        )
    traits = tuple(t for t in traits if t)
    params = AvatarParams(body.sun, body.moon or body.sun, body.rising or body.sun, traits)
    return await _create(app, who, params, body.request_id)


class MatchIn(BaseModel):
    sign1: SignKey
    sign2: SignKey
    request_id: str | None = RequestId


@images_router.post("/generate/compatibility", responses=GENERATE_PROBLEMS)
async def generate_match(body: MatchIn, who: CallerDep, app: AppDep) -> GenerateOut:
    return await _create(app, who, MatchParams(body.sign1, body.sign2), body.request_id)


class MoonIn(BaseModel):
    phase: MoonPhase | None = None
    """Default: tonight's phase."""
    request_id: str | None = RequestId


@images_router.post("/generate/moon-ritual", responses=GENERATE_PROBLEMS)
async def generate_moon(body: MoonIn, who: CallerDep, app: AppDep) -> GenerateOut:
    phase = body.phase or moon_on(app.services.cosmic.clock.today()).phase
    return await _create(app, who, MoonParams(phase), body.request_id)


class GalleryOut(BaseModel):
    images: list[ImageOut]
    total: int
    limit: int
    offset: int


@images_router.get("/my-gallery")
async def my_gallery(
    who: CallerDep,
    app: AppDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    category: Category | None = None,
    favourites: bool = False,
) -> GalleryOut:
    """The user's images, newest first; of one category, or favourites only."""
    images, total = await app.services.cosmic.images.listing(
        who.user_id,
        limit,
        offset,
        category=category.value if category else None,
        favourites=favourites,
    )
    items = [image_out(app, who, image) for image in images]
    return GalleryOut(images=items, total=total, limit=limit, offset=offset)


async def owned(app: AppDep, who: Caller, image_id: int) -> StoredImage:
    image = await app.services.cosmic.images.owned(who.user_id, image_id)
    if image is None:
        raise ApiError(404, N_("No such image in your gallery."))
    return image


@images_router.get("/{image_id}", responses=FOUND)
async def one_image(who: CallerDep, app: AppDep, image_id: Annotated[int, IMAGE_ID]) -> ImageOut:
    image = await owned(app, who, image_id)
    await app.services.analytics.view(image.id, who.user_id)
    return image_out(app, who, image)


class FavouriteOut(BaseModel):
    id: int
    favourite: bool


@images_router.post("/{image_id}/favourite", responses=FOUND)
async def favourite(
    who: CallerDep, app: AppDep, image_id: Annotated[int, IMAGE_ID]
) -> FavouriteOut:
    image = await owned(app, who, image_id)
    if await app.services.cosmic.images.set_favourite(who.user_id, image.id, True):
        await app.services.analytics.favourite(image.id, who.user_id)
    return FavouriteOut(id=image.id, favourite=True)


@images_router.delete("/{image_id}/favourite", responses=FOUND)
async def unfavourite(
    who: CallerDep, app: AppDep, image_id: Annotated[int, IMAGE_ID]
) -> FavouriteOut:
    image = await owned(app, who, image_id)
    await app.services.cosmic.images.set_favourite(who.user_id, image.id, False)
    return FavouriteOut(id=image.id, favourite=False)


@images_router.delete("/{image_id}", status_code=204, responses=FOUND)
async def delete_image(
    who: CallerDep, app: AppDep, image_id: Annotated[int, IMAGE_ID]
) -> Response:
    image = await owned(app, who, image_id)
    await app.services.cosmic.images.delete(who.user_id, image.id)
    return Response(status_code=204)


class ShareIn(BaseModel):
    format: CardFormat = CardFormat.SQUARE
    platform: str = Field(default="app", pattern=r"^[a-z_]{1,20}$")
    """Where it goes (story, telegram, download…), counted in the analytics."""


@images_router.post(
    "/share/{image_id}",
    responses={**FOUND, 200: {"content": {"image/png": {}}, "description": "The card"}},
    response_class=Response,
)
async def share(
    body: ShareIn, who: CallerDep, app: AppDep, image_id: Annotated[int, IMAGE_ID]
) -> Response:
    """The image's share card in `format` (PNG); the share is counted (once a minute)."""
    image = await owned(app, who, image_id)
    services = app.services
    me = await app.bot.me()
    with speaking(app.i18n, who.locale):
        text = card_text(image, me.username or "", who.user_id, services.cosmic.clock.today())
    card, png = await services.cards.card(image, body.format, who.locale, text)
    data = png if png is not None else services.cards.png(card)
    minute = int(services.cosmic.clock.now().timestamp() // 60)
    detail = f"{body.platform}:{body.format.value}"
    await services.analytics.share(
        image.id, who.user_id, detail, f"web:{image.id}:{detail}:{minute}"
    )
    return Response(data, media_type="image/png")
