"""Who is calling: Telegram's signed init data (`Authorization: tma <initData>`), checked
with the bot token and its age, and the chat's flood limit. webapp/deps.py puts them
together with the caller's account (made on first sight)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from aiogram.utils.web_app import WebAppInitData, WebAppUser, safe_parse_webapp_init_data
from fastapi.security import APIKeyHeader

from services.core.models import Account
from services.infra.flood import FloodLimit
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


def signed_user(token: str, authorization: str | None, max_age: int, now: float) -> WebAppUser:
    """The user that `Authorization: tma <initData>` names, once Telegram's signature and
    the data's age are checked; ApiError 401 with the reason otherwise."""
    if not authorization:
        raise ApiError(401, N_("Open this from the bot: the Telegram init data is missing."))
    scheme, _, raw = authorization.partition(" ")
    if scheme.lower() != SCHEME or not raw.strip():
        raise ApiError(401, N_("Send the init data as `Authorization: tma <initData>`."))
    try:
        data = verify_init_data(token, raw.strip(), max_age, now)
    except AuthError as error:
        raise ApiError(401, str(error)) from error
    assert data.user is not None  # verify_init_data refuses data without one
    return data.user


async def within_flood_limit(flood: FloodLimit, user_id: int) -> None:
    """The chat's per-person limit (FLOOD_RATE, FLOOD_BURST; the same bucket), checked
    before any database work: ApiError 429 with Retry-After beyond it."""
    if wait := await flood.wait(user_id):
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            N_("Too many requests: wait {seconds} s and try again."),
            "flood",
            params={"seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )
