"""`POST /api/auth/telegram`: a verified Telegram sign-in (a Mini App's init data, or a
Telegram Login Widget payload) exchanged for a short-lived bearer token of the API
(webapp/tokens.py). Public (webapp/guard.py still limits it per IP and caps its body);
to refresh a token, sign in again."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from webapp.auth import init_data_identity, verify_login_widget
from webapp.deps import AuthMaxAgeDep, BotDep, TokensDep
from webapp.errors import ApiError, problem
from webapp.identity import AuthError, Identity

signin_router = APIRouter(prefix="/auth", tags=["auth"])


class InitDataSignIn(BaseModel):
    """A Mini App: `Telegram.WebApp.initData` as it received it."""

    initData: str = Field(min_length=1, max_length=8192)


class WidgetSignIn(BaseModel):
    """What the Telegram Login Widget hands the page (every field it sent, unchanged)."""

    model_config = ConfigDict(extra="allow")

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    photo_url: str | None = None
    auth_date: int
    hash: str


class TokenOut(BaseModel):
    token: str
    """The JWT, for `Authorization: Bearer <token>`."""
    tokenType: Literal["Bearer"] = "Bearer"
    expiresIn: int
    """Seconds it is good for; sign in again for another."""


EXAMPLES: dict[str, Any] = {
    "miniApp": {
        "summary": "A Mini App's init data",
        "value": {
            "initData": "query_id=AAH…&user=%7B%22id%22%3A1001%2C%22first_name%22%3A%22Pat"
            "%22%7D&auth_date=1781694000&hash=5f1c…"
        },
    },
    "loginWidget": {
        "summary": "A Telegram Login Widget payload",
        "value": {
            "id": 1001,
            "first_name": "Pat",
            "username": "pat",
            "auth_date": 1781694000,
            "hash": "9d2c…",
        },
    },
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    **problem(401, "Not signed by this bot's token, or too old (WEBAPP_AUTH_MAX_AGE)"),
    **problem(413, "A body over 64 KB"),
    **problem(429, "Too many calls from this address (code: flood); see Retry-After"),
}


@signin_router.post("/telegram", responses=REFUSALS)
async def telegram_sign_in(
    body: Annotated[InitDataSignIn | WidgetSignIn, Body(openapi_examples=EXAMPLES)],
    bot: BotDep,
    tokens: TokensDep,
    max_age: AuthMaxAgeDep,
) -> TokenOut:
    """A bearer token for a Telegram sign-in: `{"initData": …}` from a Mini App, or a Login
    Widget payload (checked as Telegram documents it)."""
    now = time.time()
    try:
        who = _verified(body, bot.token, max_age, now)
    except AuthError as error:
        raise ApiError(401, str(error), headers={"WWW-Authenticate": "Bearer"}) from error
    return TokenOut(token=tokens.issue(who, now), expiresIn=tokens.ttl)


def _verified(
    body: InitDataSignIn | WidgetSignIn, token: str, max_age: int, now: float
) -> Identity:
    if isinstance(body, InitDataSignIn):
        return init_data_identity(token, body.initData, max_age, now)
    return verify_login_widget(token, body.model_dump(exclude_none=True), max_age, now)
