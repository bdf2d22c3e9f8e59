"""The API's bearer tokens: JWTs (HS256, PyJWT) that `POST /api/auth/telegram` issues for
a verified Telegram sign-in, so the Mini App (or a site with the Login Widget) need not
send Telegram's init data on every call. Short-lived (JWT_TTL); to refresh, sign in again.

The key is JWT_SECRET, else one derived from the bot token with HMAC (as webapp/signing.py
derives the media key), so every web process of one bot signs and verifies alike. `iss`
names the deployment (its public URL) and `aud` the bot: a token of another deployment or
bot is refused even if it shares the secret."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from pydantic import SecretStr

from webapp.errors import N_
from webapp.identity import AuthError, Identity, checked_user_id

ALGORITHM = "HS256"
LEEWAY = 30
"""Seconds of clock difference between web processes that `exp` and `iat` forgive."""
REQUIRED = ["exp", "iat", "iss", "aud", "sub"]
LOCAL_ISSUER = "cosmic-studio"
"""`iss` of a deployment without a public URL (polling, local runs)."""


def token_key(bot_token: str, secret: str | None) -> bytes:
    """JWT_SECRET, or a key derived from (never equal to) the bot token."""
    if secret:
        return secret.encode()
    return hmac.new(b"cosmic-studio-jwt", bot_token.encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class BearerTokens:
    key: bytes
    issuer: str
    """This deployment: its public URL (WEBHOOK_URL), else LOCAL_ISSUER."""
    audience: str
    """This bot: `telegram-bot:<bot id>`."""
    ttl: int

    def issue(self, who: Identity, now: float) -> str:
        claims: dict[str, Any] = {
            "sub": str(who.id),
            "iat": int(now),
            "exp": int(now) + self.ttl,
            "iss": self.issuer,
            "aud": self.audience,
            "name": who.first_name,
        }
        if who.language_code:
            claims["lang"] = who.language_code
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)

    def verify(self, token: str) -> Identity:
        """Who the token names, if this deployment signed it for this bot and it has not
        expired; AuthError otherwise (the reason as a message)."""
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": REQUIRED},
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthError(N_("Your sign-in has expired: sign in again.")) from error
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError) as error:
            raise AuthError(N_("This token was issued for another bot or server.")) from error
        except jwt.PyJWTError as error:  # a bad signature, algorithm, shape or claim
            raise AuthError(N_("The token is not valid: sign in again.")) from error
        name, lang = claims.get("name"), claims.get("lang")
        return Identity(
            checked_user_id(claims["sub"]),
            name if isinstance(name, str) else "",
            lang if isinstance(lang, str) else None,
        )


class TokenSettings(Protocol):
    @property
    def jwt_secret(self) -> SecretStr | None:
        """JWT_SECRET (None: derived from the bot token)."""

    @property
    def jwt_ttl(self) -> int:
        """Seconds a token is good for."""

    @property
    def webapp_url(self) -> str | None:
        """This deployment's public Mini App URL, if it has one."""


def bearer_tokens(bot_token: str, bot_id: int, settings: TokenSettings) -> BearerTokens:
    """The tokens of this bot and deployment, as the settings say now."""
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
    return BearerTokens(
        key=token_key(bot_token, secret),
        issuer=settings.webapp_url or LOCAL_ISSUER,
        audience=f"telegram-bot:{bot_id}",
        ttl=settings.jwt_ttl,
    )
