"""The gate in front of /api, as plain ASGI (it must act before a route reads the body,
which BaseHTTPMiddleware cannot promise): per client address a token bucket (API_IP_RATE,
API_IP_BURST; shared through Redis when set) → 429; a body over API_BODY_LIMIT → 413,
from Content-Length before anything is read, and counted while a chunked body streams;
then the Authorization header (`tma` init data or a `Bearer` token) → 401, except on the
public routes. The verified identity waits in the request's state for webapp/deps.py's
`caller`, so it is verified once. Every refusal is the API's error envelope, translated."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import partial
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from redis.exceptions import RedisError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp import errors
from webapp.auth import signed_user
from webapp.deps import WebContext, bearer_tokens_of
from webapp.errors import API_PREFIX, N_, ApiError
from webapp.identity import STATE_KEY

logger = logging.getLogger(__name__)

API_BODY_LIMIT = 64 * 1024
"""Bytes an /api request body may have: the largest real one is a few hundred."""
PUBLIC = frozenset(
    {f"{API_PREFIX}/auth/telegram", f"{API_PREFIX}/i18n", f"{API_PREFIX}/openapi.json"}
)
"""The /api routes anyone may call (still per-IP limited and capped)."""
IPV6_PREFIX = 64
"""An IPv6 client is counted by its /64: one subscriber gets a whole /64."""

Network = IPv4Network | IPv6Network


class BodyTooLarge(ApiError):
    """Raised by `capped` once a body has outgrown its limit (a 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            N_("The request is too large: at most {size} KB."),
            "too_large",
            params={"size": max(1, limit // 1024)},
        )


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, if it states one."""
    value = Headers(scope=scope).get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None


def capped(receive: Receive, limit: int) -> Receive:
    """`receive` that counts the body's bytes as they come and raises BodyTooLarge past
    `limit` (a chunked body has no Content-Length to check beforehand)."""
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_capped


class BodyLimit:
    """Caps the body of requests to `path` at `limit` bytes: 413 from Content-Length before
    reading, or once a streamed body passes it (`too_large` makes the answer)."""

    def __init__(
        self, app: ASGIApp, *, path: str, limit: int, too_large: Callable[[], Response]
    ) -> None:
        self.app = app
        self.path = path
        self.limit = limit
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > self.limit:
            await self.too_large()(scope, receive, send)
            return
        await _within(self.app, scope, capped(receive, self.limit), send, self.too_large)


async def _within(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, too_large: Callable[[], Response]
) -> None:
    """Runs `app`; a BodyTooLarge that reaches here before the answer began is a 413."""
    started = False

    async def watching(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, receive, watching)
    except BodyTooLarge:
        if started:
            raise
        await too_large()(scope, receive, send)


def client_address(scope: Scope, trusted: tuple[Network, ...]) -> str:
    """Who sent the request: the connection's peer, or, when the peer is one of our
    `trusted` proxies, the nearest X-Forwarded-For hop that is not (read from the right:
    the left part is whatever the client wrote). An IPv6 client as its /64."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else ""
    try:
        address: IPv4Address | IPv6Address = ip_address(host)
    except ValueError:  # a Unix socket, or no peer at all
        return host
    if trusted and _in(address, trusted):
        forwarded = ",".join(Headers(scope=scope).getlist("x-forwarded-for"))
        for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
            try:
                address = ip_address(hop)
            except ValueError:
                break
            if not _in(address, trusted):
                break
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, IPv6Address):
        return str(ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def _in(address: IPv4Address | IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


class ApiGuard:
    """The gate in front of /api (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, context: WebContext) -> None:
        self.app = app
        self.web = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if path != API_PREFIX and not path.startswith(f"{API_PREFIX}/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            await self._admit(request, scope)
        except ApiError as refusal:
            await self._answer(request, refusal)(scope, receive, send)
            return
        too_large = partial(self._answer, request, BodyTooLarge(API_BODY_LIMIT))
        await _within(self.app, scope, capped(receive, API_BODY_LIMIT), send, too_large)

    async def _admit(self, request: Request, scope: Scope) -> None:
        """Raises the ApiError that refuses the request, if any; else leaves the identity
        (if the route needs one) in the request's state."""
        await self._within_ip_limit(scope)
        length = declared_length(scope)
        if length is not None and length > API_BODY_LIMIT:
            raise BodyTooLarge(API_BODY_LIMIT)
        if scope["path"] in PUBLIC:
            return
        web = self.web
        identity = signed_user(
            request.headers.get("authorization"),
            token=web.bot.token,
            max_age=web.settings.webapp_auth_max_age,
            tokens=bearer_tokens_of(web),
            now=time.time(),
        )
        setattr(request.state, STATE_KEY, identity)  # scope["state"]: the routes see it

    async def _within_ip_limit(self, scope: Scope) -> None:
        settings = self.web.settings
        key = f"api:ip:{client_address(scope, settings.trusted_proxies)}"
        try:
            wait = await self.web.rates.take(key, settings.api_ip_rate, settings.api_ip_burst)
        except (RedisError, OSError) as error:  # let it through: the limit is a shield
            logger.warning("per-IP limit not checked: %s", error)
            return
        if wait:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429,
                N_("Too many requests: wait {seconds} s and try again."),
                "flood",
                params={"seconds": seconds},
                headers={"Retry-After": str(seconds)},
            )

    def _answer(self, request: Request, refusal: ApiError) -> Response:
        message = errors.translate(request, self.web.i18n, str(refusal.detail), refusal.params)
        return errors.problem_response(
            refusal.status_code, message, refusal.code, headers=refusal.headers
        )
