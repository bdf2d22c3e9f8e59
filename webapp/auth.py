"""Who is calling: Telegram's signed init data (`Authorization: tma <initData>`), checked
with the bot token and its age, then the caller's account (made on first sight)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from bot.app import App
from services.core.models import Account
from services.infra.flood import FloodLimit
from ui.common.language import pick_language
from webapp.errors import N_, ApiError

SCHEME = "tma"
FUTURE_SKEW = 300
"""Seconds an auth_date may lie ahead of this server's clock (clocks differ a little)."""

init_data_header = APIKeyHeader(
    name="Authorization",
    scheme_name="TelegramInitData",
    description="`tma <initData>`: Telegram.WebApp.initData as the Mini App received it",
    auto_error=False,
)


class AuthError(ValueError):
    """Why init data is not accepted (a sentence for the 401's message)."""


def verify_init_data(token: str, raw: str, max_age: int, now: float) -> WebAppInitData:
    """The init data, if Telegram signed it with this bot's token and it is fresh."""
    try:
        data = safe_parse_webapp_init_data(token, raw)
    except (ValueError, TypeError) as error:  # a bad signature, query string or field
        raise AuthError(N_("The Telegram init data is not signed by this bot.")) from error
    if data.user is None:
        raise AuthError(N_("The Telegram init data names no user."))
    age = now - data.auth_date.timestamp()
    if age > max_age or age < -FUTURE_SKEW:
        raise AuthError(N_("The Telegram init data has expired: reopen the app."))
    return data


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    first_name: str
    locale: str
    account: Account
    is_admin: bool


def the_app(request: Request) -> App:
    app: App = request.app.state.app
    return app


async def caller(
    request: Request,
    app: Annotated[App, Depends(the_app)],
    authorization: Annotated[str | None, Depends(init_data_header)],
) -> Caller:
    if not authorization:
        raise ApiError(401, N_("Open this from the bot: the Telegram init data is missing."))
    scheme, _, raw = authorization.partition(" ")
    if scheme.lower() != SCHEME or not raw.strip():
        raise ApiError(401, N_("Send the init data as `Authorization: tma <initData>`."))
    token = app.bot.token
    settings = app.settings
    try:
        data = verify_init_data(token, raw.strip(), settings.webapp_auth_max_age, time.time())
    except AuthError as error:
        raise ApiError(401, str(error)) from error
    user = data.user
    assert user is not None
    await _within_flood_limit(app, user.id)
    language = pick_language(user.language_code, settings.default_locale)
    account, _ = await app.services.accounts.get_or_create(user.id, language)
    locale = account.language if account.language in app.i18n.available_locales else language
    request.state.locale = locale  # errors from here on speak the account's language
    return Caller(user.id, user.first_name, locale, account, user.id in settings.admin_ids)


async def _within_flood_limit(app: App, user_id: int) -> None:
    """The chat's per-person limit (FLOOD_RATE, FLOOD_BURST; the same bucket), checked
    before any database work."""
    settings = app.settings
    limit = FloodLimit(
        app.services.shared.rates,
        rate=settings.flood_rate,
        burst=settings.flood_burst,
        exempt=settings.admin_ids,
    )
    if wait := await limit.wait(user_id):
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            N_("Too many requests: wait {seconds} s and try again."),
            "flood",
            params={"seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )


async def admin(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if not who.is_admin:
        raise ApiError(403, N_("This is for the bot's admins only."))
    return who


CallerDep = Annotated[Caller, Depends(caller)]
AdminDep = Annotated[Caller, Depends(admin)]
AppDep = Annotated[App, Depends(the_app)]
