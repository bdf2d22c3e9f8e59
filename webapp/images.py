"""Seed 003's image endpoints, as its document writes them (the `{"success": true, "data":
...}` envelope, camelCase fields, string `imageId`s): Cosmic Coach art with the chat's
tiers, weekly limits, cache and costs (through CosmicService), the gallery, favourites and
the share cards in the document's four formats."""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

from aiogram.utils.i18n import I18n
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from services.core.categories import Category, dump_params
from services.core.image_repo import StoredImage
from services.cosmic.astro import SIGNS_BY_KEY, Focus, Mood, daily_reading
from services.cosmic.gallery import GalleryService
from services.cosmic.kinds import AvatarParams, CosmicParams, DailyParams, MatchParams, MoonParams
from services.cosmic.moon import MoonPhase, moon_on, phase_named
from services.cosmic.service import CosmicOutcome, CosmicService, CosmicStatus, ReadyImage
from services.sharing.analytics import SharePlatform
from services.sharing.cards import CardFormat
from ui.cosmic.texts import caption, cosmic_failure_text, limit_text, upgrade_text
from ui.cosmic.words import TRAITS, trait_label
from ui.sharing.replies import tell_share_outcome
from ui.sharing.texts import card_text
from webapp.auth import Caller
from webapp.deps import (
    AdminIdsDep,
    AnalyticsDep,
    BotDep,
    CallerDep,
    CardsDep,
    CosmicDep,
    GalleryDep,
    I18nDep,
    ProfileDep,
    SignerDep,
    WebappUrlDep,
)
from webapp.envelope import CamelModel, Envelope, ok
from webapp.errors import COMMON, FOUND, N_, ApiError, problem
from webapp.signing import MediaSigner
from webapp.texts import said, speaking

images_router = APIRouter(prefix="/images", tags=["images"], responses=COMMON)
SignKey = Annotated[str, Field(pattern=f"^({'|'.join(SIGNS_BY_KEY)})$")]
RequestId = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")
OwnWords = Annotated[str, Field(max_length=200)]
"""A person's words (a mood, a focus): kept to 40 plain characters and quoted to the model."""
IMAGE_ID = Path(ge=1, le=2**62)
GENERATE_PROBLEMS = {
    **problem(403, "The plan does not include this (code: upgrade)"),
    **problem(409, "An image is being painted already"),
    **problem(429, "This week's images are used (code: limit)"),
    **problem(503, "The painters failed; the weekly use was given back"),
}
FORMATS: dict[str, CardFormat] = {
    "instagram_square": CardFormat.SQUARE,
    "instagram_story": CardFormat.STORY,
    "twitter": CardFormat.X,
    "facebook": CardFormat.FACEBOOK,
}
"""The share cards as seed 003 names them (1080×1080, 1080×1920, 1200×675, 1200×630)."""
FORMAT_NAMES = {card_format: name for name, card_format in FORMATS.items()}
ShareFormat = Literal[
    "instagram_square", "instagram_story", "twitter", "facebook", "ig_square", "ig_story", "x"
]
"""Seed 003's names, and the chat's (`ig_square`, `ig_story`, `x`) for the same cards."""
FORMAT_PLATFORMS = {
    CardFormat.SQUARE: SharePlatform.INSTAGRAM,
    CardFormat.STORY: SharePlatform.INSTAGRAM,
    CardFormat.X: SharePlatform.X,
    CardFormat.FACEBOOK: SharePlatform.FACEBOOK,
}


def card_format(name: str) -> CardFormat:
    return FORMATS.get(name) or CardFormat(name)


class ImageOut(CamelModel):
    image_id: str
    """Its id (a string, as seed 003's clients keep it)."""
    image_url: str
    """The picture (a signed URL, good for MEDIA_URL_TTL)."""
    description: str
    """What it shows, in the caller's language."""
    shareable_card: str
    """`POST` here with `{"format"}` for a share card (PNG)."""
    category: str
    params: dict[str, object]
    favourite: bool
    created_at: str
    """ISO 8601, UTC."""
    thumb_url: str
    """A small JPEG of it, for grids."""
    download_url: str
    cards: dict[str, str]
    """Each share card's URL, by format (instagram_square, instagram_story, twitter,
    facebook)."""


class GeneratedOut(ImageOut):
    cached: bool = False
    """Painted before (the day's shared image, or the same request today): no new cost."""
    personalized: bool = True
    """False for the day's shared image of the sign (a free plan gets that one)."""
    tier: str


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def image_out(
    signer: MediaSigner, who: Caller, image: StoredImage, i18n: I18n, base: str = ""
) -> ImageOut:
    """`base`: the public origin for absolute URLs (none: relative to this server)."""
    url = base + signer.url(who.user_id, image.id)
    cards = {
        FORMAT_NAMES[c]: base + signer.url(who.user_id, image.id, c.value, who.locale)
        for c in CardFormat
    }
    with speaking(i18n, who.locale):
        description = _plain(caption(image.params))
    return ImageOut(
        image_id=str(image.id),
        image_url=url,
        description=description,
        shareable_card=f"{base}/api/images/share/{image.id}",
        category=image.category.value,
        params=dump_params(image.params),
        favourite=image.favourite,
        created_at=dt.datetime.fromtimestamp(image.created_at, dt.UTC).isoformat(),
        thumb_url=base + signer.thumb_url(who.user_id, image.id),
        download_url=url + "&download=1",
        cards=cards,
    )


def public_base(webapp_url: str | None) -> str:
    """The configured public origin (WEBHOOK_URL's), never the request's Host header."""
    return webapp_url.removesuffix("/app/") if webapp_url else ""


async def _no_telegram(ready: ReadyImage) -> str | None:
    return ready.file_id  # shown by the app from /media: nothing is sent to Telegram


@dataclass(frozen=True, slots=True)
class Painting:
    """What every generate route needs: who asks, Cosmic Coach, and how its answer is told
    (in the caller's language, with URLs from the configured public origin)."""

    who: Caller
    cosmic: CosmicService
    signer: MediaSigner
    i18n: I18n
    base: str

    async def personal(
        self, params: CosmicParams, request_id: str | None
    ) -> Envelope[GeneratedOut]:
        """Personal art within the plan's weekly limit (a repeated `request_id` is one
        image)."""
        key = f"web:{request_id or secrets.token_hex(8)}"
        outcome = await self.cosmic.create(self.who.account, params, key, _no_telegram)
        return self.answer(outcome, params)

    def answer(self, outcome: CosmicOutcome, params: CosmicParams) -> Envelope[GeneratedOut]:
        """The image made, or why not (as the chat says it)."""
        who, i18n, status = self.who, self.i18n, outcome.status
        if status is CosmicStatus.DONE and outcome.image is not None:
            image = image_out(self.signer, who, outcome.image, i18n, self.base)
            own = outcome.image.user_id == who.user_id and not outcome.image.shared
            return ok(
                GeneratedOut(
                    **image.model_dump(),
                    cached=outcome.cached,
                    personalized=own,
                    tier=outcome.tier.value,
                )
            )
        raise _refusal(outcome, params, who.locale, i18n)


def _refusal(outcome: CosmicOutcome, params: CosmicParams, locale: str, i18n: I18n) -> ApiError:
    status = outcome.status
    if status is CosmicStatus.UPGRADE:
        text = said(i18n, locale, upgrade_text, params.category)
        return ApiError(403, text, "upgrade", translated=True)
    if status is CosmicStatus.LIMIT and outcome.resets_at is not None:
        text = said(i18n, locale, limit_text, outcome.resets_at)
        return ApiError(429, text, "limit", translated=True)
    if status in {CosmicStatus.BUSY, CosmicStatus.DUPLICATE}:
        return ApiError(409, N_("Still painting your last image: one moment."), "busy")
    text = said(i18n, locale, cosmic_failure_text, outcome.failure)
    return ApiError(503, text, "failed", translated=True)


def _painting(
    who: CallerDep,
    cosmic: CosmicDep,
    signer: SignerDep,
    i18n: I18nDep,
    webapp_url: WebappUrlDep,
) -> Painting:
    return Painting(who, cosmic, signer, i18n, public_base(webapp_url))


PaintingDep = Annotated[Painting, Depends(_painting)]


E = TypeVar("E", Mood, Focus)


def _enum_or_words(kind: type[E], text: str | None, default: E) -> tuple[E, str]:
    """One of our words, or the person's own (kept as data for the prompt)."""
    if text is None or not text.strip():
        return default, ""
    word = text.strip().lower()
    if word in {member.value for member in kind}:
        return kind(word), ""
    return default, text


class DailyIn(CamelModel):
    sign: SignKey | None = None
    """Default: the sign the user last chose."""
    date: dt.date | None = None
    """The date whose energy it paints (default: today); up to tomorrow (time zones)."""
    energy_level: int | None = Field(default=None, ge=1, le=10)
    mood: OwnWords | None = None
    """Any words ("uplifting"); default: the day's."""
    focus: OwnWords | None = None
    """Any words ("career"); default: the day's."""
    personalized: bool = True
    """False: the day's shared image of the sign (free, cached). A free plan always gets it."""
    request_id: str | None = RequestId

    model_config = {
        **CamelModel.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "sign": "aries",
                    "date": "2025-01-23",
                    "energyLevel": 8,
                    "mood": "uplifting",
                    "focus": "career",
                    "personalized": True,
                }
            ]
        },
    }


@images_router.post("/generate/daily-energy", responses=GENERATE_PROBLEMS)
async def generate_daily(
    body: DailyIn, painting: PaintingDep, profile: ProfileDep
) -> Envelope[GeneratedOut]:
    """A sign's energy of a date: free plans (or `personalized: false`) get the date's
    shared image of the sign; paid plans their own."""
    who, cosmic = painting.who, painting.cosmic
    sign = body.sign or who.account.sign
    if sign is None:
        raise ApiError(422, N_("sign: choose your zodiac sign"))
    today = cosmic.clock.today()
    day = body.date or today
    if day > today + dt.timedelta(days=1):
        raise ApiError(422, N_("date: the stars of that day are not known yet"))
    await profile.set_sign(who.user_id, sign)
    reading = daily_reading(sign, day)
    mood, mood_words = _enum_or_words(Mood, body.mood, reading.mood)
    focus, focus_words = _enum_or_words(Focus, body.focus, reading.focus)
    energy = body.energy_level or reading.energy
    on = day if day != today else None
    params = DailyParams(sign, energy, mood, focus, on, mood_words, focus_words)
    if body.personalized and cosmic.tier_of(who.account).value != "free":
        return await painting.personal(params, body.request_id)
    outcome = await cosmic.shared_daily(who.account, sign, _no_telegram, day)
    return painting.answer(outcome, params)


class AvatarIn(CamelModel):
    sun_sign: SignKey
    moon_sign: SignKey | None = None
    """Default: the sun sign."""
    rising_sign: SignKey | None = None
    """Default: the sun sign."""
    traits: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        default_factory=list, max_length=3
    )
    version: int = Field(default=1, ge=1, le=100)
    """A new version paints a new avatar; the same version the same day is the same one."""
    request_id: str | None = RequestId

    model_config = {
        **CamelModel.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "sunSign": "leo",
                    "moonSign": "pisces",
                    "risingSign": "gemini",
                    "traits": ["creative", "empathetic", "curious"],
                    "version": 1,
                }
            ]
        },
    }


@images_router.post("/generate/avatar", responses=GENERATE_PROBLEMS)
async def generate_avatar(body: AvatarIn, painting: PaintingDep) -> Envelope[GeneratedOut]:
    with speaking(painting.i18n, painting.who.locale):
        traits = tuple(
            trait_label(t) if t in TRAITS else " ".join(t.split())[:30] for t in body.traits
        )
    traits = tuple(t for t in traits if t)
    sun = body.sun_sign
    params = AvatarParams(
        sun, body.moon_sign or sun, body.rising_sign or sun, traits, body.version
    )
    return await painting.personal(params, body.request_id)


class Partner(BaseModel):
    sign: SignKey
    element: Literal["fire", "earth", "air", "water"] | None = None
    """Optional: the sign's element is known (a different one is refused)."""


class MatchIn(CamelModel):
    user1: Partner
    user2: Partner
    compatibility_score: int | None = Field(default=None, ge=0, le=100)
    """Shown in the art; default: ours, from the two signs."""
    request_id: str | None = RequestId

    model_config = {
        **CamelModel.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "user1": {"sign": "aries", "element": "fire"},
                    "user2": {"sign": "libra", "element": "air"},
                    "compatibilityScore": 85,
                }
            ]
        },
    }


@images_router.post("/generate/compatibility", responses=GENERATE_PROBLEMS)
async def generate_match(body: MatchIn, painting: PaintingDep) -> Envelope[GeneratedOut]:
    for person in (body.user1, body.user2):
        known = SIGNS_BY_KEY[person.sign].element.value
        if person.element is not None and person.element != known:
            raise ApiError(
                422,
                N_("element: {sign} is a {element} sign"),
                params={"sign": person.sign, "element": known},
            )
    params = MatchParams(body.user1.sign, body.user2.sign, body.compatibility_score)
    return await painting.personal(params, body.request_id)


class MoonIn(CamelModel):
    phase: str | None = Field(default=None, max_length=40)
    """One of the eight phases as seed 003 names them ("Full Moon", "Waxing Crescent", …)
    or their keys (`full`, `waxing_crescent`); default: tonight's."""
    request_id: str | None = RequestId

    model_config = {
        **CamelModel.model_config,
        "json_schema_extra": {"examples": [{"phase": "Full Moon"}]},
    }

    @field_validator("phase")
    @classmethod
    def _known_phase(cls, phase: str | None) -> str | None:
        if phase is not None and phase_named(phase) is None:
            names = ", ".join(p.value for p in MoonPhase)
            raise ValueError(f"one of the eight phases: New Moon, …, Waning Crescent ({names})")
        return phase


@images_router.post("/generate/moon-ritual", responses=GENERATE_PROBLEMS)
async def generate_moon(body: MoonIn, painting: PaintingDep) -> Envelope[GeneratedOut]:
    phase = phase_named(body.phase) if body.phase else None
    params = MoonParams(phase or moon_on(painting.cosmic.clock.today()).phase)
    return await painting.personal(params, body.request_id)


class GalleryOut(CamelModel):
    images: list[ImageOut]
    count: int
    """How many images this page holds."""
    total: int
    """How many images the gallery holds (of the category asked)."""
    limit: int
    offset: int


@images_router.get("/my-gallery")
async def my_gallery(
    who: CallerDep,
    gallery: GalleryDep,
    signer: SignerDep,
    i18n: I18nDep,
    webapp_url: WebappUrlDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    category: Category | None = None,
    favourites: bool = False,
) -> Envelope[GalleryOut]:
    """The user's images, newest first; of one category, or favourites only."""
    images, total = await gallery.listing(
        who.user_id, limit, offset, category=category, favourites=favourites
    )
    base = public_base(webapp_url)
    items = [image_out(signer, who, image, i18n, base) for image in images]
    return ok(GalleryOut(images=items, count=len(items), total=total, limit=limit, offset=offset))


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
    i18n: I18nDep,
    webapp_url: WebappUrlDep,
    image_id: Annotated[int, IMAGE_ID],
) -> Envelope[ImageOut]:
    image = await owned(gallery, who, image_id)
    await analytics.view(image.id, who.user_id)
    return ok(image_out(signer, who, image, i18n, public_base(webapp_url)))


class FavouriteOut(CamelModel):
    image_id: str
    favourite: bool


@images_router.post("/{image_id:int}/favourite", responses=FOUND)
async def favourite(
    who: CallerDep,
    gallery: GalleryDep,
    analytics: AnalyticsDep,
    image_id: Annotated[int, IMAGE_ID],
) -> Envelope[FavouriteOut]:
    image = await owned(gallery, who, image_id)
    if await gallery.set_favourite(image, True):  # counted once per person and image
        await analytics.favourite(image.id, who.user_id)
    return ok(FavouriteOut(image_id=str(image.id), favourite=True))


@images_router.delete("/{image_id:int}/favourite", responses=FOUND)
async def unfavourite(
    who: CallerDep, gallery: GalleryDep, image_id: Annotated[int, IMAGE_ID]
) -> Envelope[FavouriteOut]:
    image = await owned(gallery, who, image_id)
    await gallery.set_favourite(image, False)
    return ok(FavouriteOut(image_id=str(image.id), favourite=False))


@images_router.delete("/{image_id:int}", status_code=204, responses=FOUND)
async def delete_image(
    who: CallerDep, gallery: GalleryDep, image_id: Annotated[int, IMAGE_ID]
) -> Response:
    image = await owned(gallery, who, image_id)
    await gallery.delete(image)
    return Response(status_code=204)


class ShareIn(BaseModel):
    format: ShareFormat = "instagram_square"
    platform: SharePlatform | None = None
    """Where it goes (default: the format's: Instagram, X or Facebook)."""
    text: str | None = Field(default=None, max_length=300)
    """What the client shares with it (seed 003's share text); not drawn on the card."""

    model_config = {"json_schema_extra": {"examples": [{"format": "instagram_square"}]}}


@images_router.post(
    "/share/{image_id:int}",
    responses={
        **FOUND,
        200: {"content": {"image/png": {}}, "description": "The card ([Binary PNG data])"},
    },
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
    admin_ids: AdminIdsDep,
    image_id: Annotated[int, IMAGE_ID],
) -> Response:
    """The image's share card in `format` (PNG of the format's size), to share from the
    client; counted as a share of its platform once per person, image and day."""
    image = await owned(gallery, who, image_id)
    chosen = card_format(body.format)
    me = await bot.me()
    with speaking(i18n, who.locale):
        text = card_text(image, me.username or "", who.user_id, cosmic.clock.today())
    card, png = await cards.card(image, chosen, who.locale, text)
    data = png if png is not None else cards.png(card)
    platform = body.platform or FORMAT_PLATFORMS[chosen]
    outcome = await analytics.share(image.id, who.user_id, platform, chosen.value)
    with speaking(i18n, who.locale):
        await tell_share_outcome(bot, outcome, analytics.rules, who.user_id, admin_ids)
    return Response(data, media_type="image/png")
