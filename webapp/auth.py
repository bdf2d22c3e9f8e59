"""Who is calling: Telegram's signed init data (`Authorization: tma <initData>`), a bearer
token this bot issued for it (`Authorization: Bearer <token>`, webapp/tokens.py), or, at
sign-in, a Telegram Login Widget payload; each checked with the bot token and its age. Then
the chat's flood limit. webapp/guard.py checks the header before a route reads its body;
webapp/deps.py puts the identity together with the caller's account (made on first sight)."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data
from fastapi.security import APIKeyHeader, HTTPBearer

from services.core.models import Account
from services.infra.flood import FloodLimit
from webapp.errors import N_, ApiError
from webapp.identity import DIGITS, AuthError, Identity, checked_user_id
from webapp.tokens import BearerTokens

SCHEME = "tma"
BEARER = "bearer"
FUTURE_SKEW = 300
"""Seconds an auth_date may lie ahead of this server's clock (clocks differ a little)."""
CHALLENGE = {"WWW-Authenticate": "Bearer"}

init_data_header = APIKeyHeader(
    name="Authorization",
    scheme_name="TelegramInitData",
    description="`tma <initData>`: Telegram.WebApp.initData as the Mini App received it",
    auto_error=False,
)
bearer_header = HTTPBearer(
    scheme_name="BearerToken",
    bearerFormat="JWT",
    description=(
        "`Bearer <token>`: a token from `POST /api/auth/telegram` (HS256, short-lived; "
        "sign in again for a new one)"
    ),
    auto_error=False,
)

__all__ = ["AuthError", "Caller", "Identity", "signed_user", "verify_init_data"]


def verify_init_data(token: str, raw: str, max_age: int, now: float) -> WebAppInitData:
    """The init data, if Telegram signed it with this bot's token and it is fresh."""
    try:
        data = safe_parse_webapp_init_data(token, raw)
    except (ValueError, TypeError) as error:  # a bad signature, query string or field
        raise AuthError(N_("The Telegram init data is not signed by this bot.")) from error
    if data.user is None:
        raise AuthError(N_("The Telegram init data names no user."))
    checked_user_id(data.user.id)
    if not _fresh(data.auth_date.timestamp(), max_age, now):
        raise AuthError(N_("The Telegram init data has expired: reopen the app."))
    return data


def init_data_identity(token: str, raw: str, max_age: int, now: float) -> Identity:
    user = verify_init_data(token, raw, max_age, now).user
    assert user is not None  # verify_init_data refuses data without one
    return Identity(user.id, user.first_name, user.language_code)


def verify_login_widget(
    token: str, fields: Mapping[str, object], max_age: int, now: float
) -> Identity:
    """The user of a Telegram Login Widget payload, checked as Telegram documents it: the
    data-check-string (every received field but `hash`, as sorted `key=value` lines) signed
    with HMAC-SHA256 keyed by SHA256(bot token), and `auth_date` fresh."""
    lines = []
    for key, value in sorted(fields.items()):
        if key == "hash" or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise AuthError(N_("The Telegram login is not signed by this bot."))
        lines.append(f"{key}={value}")
    secret = hashlib.sha256(token.encode()).digest()
    expected = hmac.new(secret, "\n".join(lines).encode(), hashlib.sha256).hexdigest()
    received = fields.get("hash")
    if not isinstance(received, str) or not hmac.compare_digest(
        expected.encode(), received.encode()
    ):
        raise AuthError(N_("The Telegram login is not signed by this bot."))
    user_id = checked_user_id(fields.get("id"))
    auth_date, first_name = fields.get("auth_date"), fields.get("first_name")
    if isinstance(auth_date, str) and DIGITS.fullmatch(auth_date):
        auth_date = int(auth_date)
    if (
        isinstance(auth_date, bool)
        or not isinstance(auth_date, int)
        or not _fresh(auth_date, max_age, now)
    ):
        raise AuthError(N_("The Telegram login has expired: sign in again."))
    return Identity(user_id, first_name if isinstance(first_name, str) else "")


def _fresh(auth_date: float, max_age: int, now: float) -> bool:
    return -FUTURE_SKEW <= now - auth_date <= max_age


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    first_name: str
    locale: str
    account: Account
    is_admin: bool


def signed_user(
    authorization: str | None, *, token: str, max_age: int, tokens: BearerTokens, now: float
) -> Identity:
    """Who `Authorization: tma <initData>` or `Authorization: Bearer <token>` names, once
    the signature and the age are checked; ApiError 401 with the reason otherwise."""
    if not authorization:
        raise ApiError(
            401,
            N_("Open this from the bot: the Telegram init data is missing."),
            headers=CHALLENGE,
        )
    scheme, _, raw = authorization.partition(" ")
    scheme, raw = scheme.lower(), raw.strip()
    try:
        if scheme == SCHEME and raw:
            return init_data_identity(token, raw, max_age, now)
        if scheme == BEARER and raw:
            return tokens.verify(raw)
    except AuthError as error:
        raise ApiError(401, str(error), headers=CHALLENGE) from error
    raise ApiError(
        401,
        N_("Send `Authorization: tma <initData>` or `Authorization: Bearer <token>`."),
        headers=CHALLENGE,
    )


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
