"""What a route of the web API may ask for, each by its type: the caller (signed in with
Telegram's init data), an admin, and each service the routes call. The web process builds
one `WebContext` (bot/http/app.py) and `mount_webapp` keeps it on the FastAPI app's state;
the aliases below read it, so a route names what it needs, never the whole process.

One file, as fastapi/full-stack-fastapi-template's `backend/app/api/deps.py`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network
from typing import Annotated, Protocol

from aiogram import Bot
from aiogram.utils.i18n import I18n
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import SecretStr

from services.admin.costs import CostReport
from services.admin.reports import Reports
from services.admin.stats import Stats
from services.core.jobs import JobQueue
from services.core.payments import PaymentService
from services.core.profile import ProfileService
from services.cosmic.batch import NightlyBatch
from services.cosmic.gallery import GalleryService
from services.cosmic.service import CosmicService
from services.infra.flood import FloodLimit
from services.infra.pacing import RateStore
from services.sharing.analytics import Analytics
from services.sharing.service import CardService
from services.studio.board import JobBoard
from services.studio.post_actions import PostActions
from services.studio.service import StudioService
from ui.common.language import pick_language
from webapp.app_posts import AppPosts
from webapp.auth import (
    Caller,
    bearer_header,
    init_data_header,
    signed_user,
    within_flood_limit,
)
from webapp.errors import N_, ApiError
from webapp.identity import STATE_KEY, Identity
from webapp.signing import MediaSigner
from webapp.streams import StreamSeats
from webapp.tokens import BearerTokens, bearer_tokens


class WebSettings(Protocol):
    """The settings the web layer reads, each when it is needed (so a value changed while
    the process runs counts from the next request). The process's Settings fits it."""

    @property
    def default_locale(self) -> str:
        """The language of those whose own is not one of ours."""

    @property
    def admin_ids(self) -> frozenset[int]:
        """Who reaches /api/images/admin; admins are never flood-limited."""

    @property
    def webapp_auth_max_age(self) -> int:
        """Seconds a Mini App's init data stays good."""

    @property
    def webapp_url(self) -> str | None:
        """The Mini App's public URL (its buttons in the chat): None without HTTPS."""

    @property
    def flood_rate(self) -> float:
        """Tokens a second refilling each person's bucket."""

    @property
    def flood_burst(self) -> int:
        """Calls a person may make at once."""

    @property
    def jwt_secret(self) -> SecretStr | None:
        """The bearer tokens' key (None: derived from the bot token)."""

    @property
    def jwt_ttl(self) -> int:
        """Seconds a bearer token is good for."""

    @property
    def api_ip_rate(self) -> float:
        """Calls a second each client address may make to /api."""

    @property
    def api_ip_burst(self) -> int:
        """Calls a client address may make to /api at once."""

    @property
    def sse_per_user(self) -> int:
        """Event streams one person may follow at once on a process."""

    @property
    def sse_per_job(self) -> int:
        """Event streams of one job open at once on a process."""

    @property
    def trusted_proxies(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The reverse proxies whose X-Forwarded-For names the client."""


@dataclass(frozen=True, slots=True)
class WebContext:
    """Everything the web layer uses, built once per process from the wiring's services."""

    bot: Bot
    i18n: I18n
    studio: StudioService
    cosmic: CosmicService
    gallery: GalleryService
    profile: ProfileService
    payments: PaymentService
    analytics: Analytics
    cards: CardService
    batch: NightlyBatch
    costs: CostReport
    reports: Reports
    stats: Stats
    board: JobBoard
    """The Mini App's studio jobs and their events, shared by every web process."""
    queue: JobQueue
    app_posts: AppPosts
    post_actions: PostActions
    """A delivered post's actions (new text, more pictures, edit, 4K), at the chat's prices."""
    signer: MediaSigner
    rates: RateStore
    """The chat's per-person flood buckets: API calls take from the same ones."""
    settings: WebSettings
    streams: StreamSeats = field(default_factory=StreamSeats)
    """The event streams open on this process, per person and per job."""


def web_context(request: Request) -> WebContext:
    web: WebContext = request.app.state.web
    return web


WebDep = Annotated[WebContext, Depends(web_context)]


def bearer_tokens_of(web: WebContext) -> BearerTokens:
    """The API's bearer tokens as the settings say now (webapp/tokens.py)."""
    return bearer_tokens(web.bot.token, web.bot.id, web.settings)


def verified_identity(request: Request, web: WebContext, authorization: str | None) -> Identity:
    """The identity webapp/guard.py verified for this request, else (a router mounted
    without the guard) the Authorization header verified here."""
    known = getattr(request.state, STATE_KEY, None)
    if isinstance(known, Identity):
        return known
    return signed_user(
        authorization,
        token=web.bot.token,
        max_age=web.settings.webapp_auth_max_age,
        tokens=bearer_tokens_of(web),
        now=time.time(),
    )


async def caller(
    request: Request,
    web: WebDep,
    authorization: Annotated[str | None, Depends(init_data_header)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_header)],
) -> Caller:
    """Who is calling: signed init data or a bearer token first, then the flood limit
    (before any database work), then their account, made on first sight."""
    settings = web.settings
    user = verified_identity(request, web, authorization)
    await within_flood_limit(_flood_limit(web), user.id)
    language = pick_language(user.language_code, settings.default_locale)
    account = await web.profile.open_account(user.id, language)
    locale = account.language if account.language in web.i18n.available_locales else language
    request.state.locale = locale  # errors from here on speak the account's language
    return Caller(user.id, user.first_name, locale, account, user.id in settings.admin_ids)


def _flood_limit(web: WebContext) -> FloodLimit:
    settings = web.settings
    return FloodLimit(
        web.rates,
        rate=settings.flood_rate,
        burst=settings.flood_burst,
        exempt=settings.admin_ids,
    )


async def admin(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if not who.is_admin:
        raise ApiError(403, N_("This is for the bot's admins only."))
    return who


def _bot(web: WebDep) -> Bot:
    return web.bot


def _i18n(web: WebDep) -> I18n:
    return web.i18n


def _admin_ids(web: WebDep) -> frozenset[int]:
    return web.settings.admin_ids


def _studio(web: WebDep) -> StudioService:
    return web.studio


def _cosmic(web: WebDep) -> CosmicService:
    return web.cosmic


def _gallery(web: WebDep) -> GalleryService:
    return web.gallery


def _profile(web: WebDep) -> ProfileService:
    return web.profile


def _payments(web: WebDep) -> PaymentService:
    return web.payments


def _analytics(web: WebDep) -> Analytics:
    return web.analytics


def _cards(web: WebDep) -> CardService:
    return web.cards


def _batch(web: WebDep) -> NightlyBatch:
    return web.batch


def _costs(web: WebDep) -> CostReport:
    return web.costs


def _reports(web: WebDep) -> Reports:
    return web.reports


def _stats(web: WebDep) -> Stats:
    return web.stats


def _board(web: WebDep) -> JobBoard:
    return web.board


def _queue(web: WebDep) -> JobQueue:
    return web.queue


def _app_posts(web: WebDep) -> AppPosts:
    return web.app_posts


def _post_actions(web: WebDep) -> PostActions:
    return web.post_actions


def _signer(web: WebDep) -> MediaSigner:
    return web.signer


def _default_locale(web: WebDep) -> str:
    return web.settings.default_locale


def _webapp_url(web: WebDep) -> str | None:
    return web.settings.webapp_url


def _tokens(web: WebDep) -> BearerTokens:
    return bearer_tokens_of(web)


def _auth_max_age(web: WebDep) -> int:
    return web.settings.webapp_auth_max_age


CallerDep = Annotated[Caller, Depends(caller)]
AdminDep = Annotated[Caller, Depends(admin)]
BotDep = Annotated[Bot, Depends(_bot)]
I18nDep = Annotated[I18n, Depends(_i18n)]
StudioDep = Annotated[StudioService, Depends(_studio)]
CosmicDep = Annotated[CosmicService, Depends(_cosmic)]
GalleryDep = Annotated[GalleryService, Depends(_gallery)]
ProfileDep = Annotated[ProfileService, Depends(_profile)]
PaymentsDep = Annotated[PaymentService, Depends(_payments)]
AnalyticsDep = Annotated[Analytics, Depends(_analytics)]
CardsDep = Annotated[CardService, Depends(_cards)]
BatchDep = Annotated[NightlyBatch, Depends(_batch)]
CostsDep = Annotated[CostReport, Depends(_costs)]
ReportsDep = Annotated[Reports, Depends(_reports)]
StatsDep = Annotated[Stats, Depends(_stats)]
BoardDep = Annotated[JobBoard, Depends(_board)]
QueueDep = Annotated[JobQueue, Depends(_queue)]
AppPostsDep = Annotated[AppPosts, Depends(_app_posts)]
PostActionsDep = Annotated[PostActions, Depends(_post_actions)]
SignerDep = Annotated[MediaSigner, Depends(_signer)]
DefaultLocaleDep = Annotated[str, Depends(_default_locale)]
WebappUrlDep = Annotated[str | None, Depends(_webapp_url)]
AdminIdsDep = Annotated[frozenset[int], Depends(_admin_ids)]
TokensDep = Annotated[BearerTokens, Depends(_tokens)]
AuthMaxAgeDep = Annotated[int, Depends(_auth_max_age)]
