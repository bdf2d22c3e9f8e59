"""The HTTP side of `python -m bot web` (FastAPI): Telegram's webhook and the one-word
/healthz on the public listener (the Mini App and its API come from the `webapp` package);
/readyz and /metrics only on the operations listener (bot/http/health.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from bot.app import App
from bot.http.health import Readiness, public_health_router
from bot.http.webhook import MemorySeenUpdates, RedisSeenUpdates, SeenUpdates, WebhookReceiver
from bot.metrics import WEBHOOK_DUPLICATES, WEBHOOK_REJECTIONS
from services.core.profile import ProfileService
from services.cosmic.gallery import GalleryService
from webapp.deps import WebContext
from webapp.guard import BodyLimit, BodyTooLarge
from webapp.site import mount_webapp

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
READY_TIMEOUT = 2.0
"""Seconds Redis has to answer whether an update was seen before."""
WEBHOOK_BODY_LIMIT = 4 * 1024 * 1024
"""Bytes a webhook call may send: an update is a few KB, Telegram's largest far below."""
GRACE = 30.0
"""Seconds the updates in flight have to finish at shutdown (as `App.close` gives `run`)."""

telegram_router = APIRouter(tags=["telegram"])


def create_web_app(
    app: App, readiness: Readiness | None = None, *, grace: float = GRACE
) -> FastAPI:
    """The FastAPI application around a built `App` (see `bot.app.build_app`). Leaving its
    lifespan lets the updates in flight finish; the caller then shuts the `App` down.
    `readiness` is shared with the operations listener (one made here when None)."""
    if app.settings.webhook_secret is None:
        msg = "WEBHOOK_SECRET is required to receive webhooks"
        raise ValueError(msg)
    redis = app.services.shared.redis
    seen: SeenUpdates = (
        RedisSeenUpdates(redis, app.bot.id) if redis is not None else MemorySeenUpdates()
    )
    receiver = WebhookReceiver(app, app.settings.webhook_secret.get_secret_value(), seen)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await receiver.drain(grace)

    # No generated docs: the webhook is Telegram's business, not a public API. No slash
    # redirects: Starlette builds their Location from the request's Host header.
    web = FastAPI(
        title="Cosmic Studio bot",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    web.state.app = app
    web.state.webhook = receiver
    web.state.readiness = readiness or app_readiness(app)
    web.include_router(telegram_router)
    web.include_router(public_health_router)
    mount_webapp(web, web_context(app))
    web.add_middleware(
        BodyLimit, path=WEBHOOK_PATH, limit=WEBHOOK_BODY_LIMIT, too_large=_webhook_too_large
    )
    return web


def app_readiness(app: App) -> Readiness:
    """The readiness of a built `App`'s database and Redis."""
    return Readiness(app.services.db, app.services.shared.redis)


def web_context(app: App) -> WebContext:
    """What the Mini App's API uses, taken from a built `App` (webapp never sees the App)."""
    services, cosmic = app.services, app.services.cosmic
    return WebContext(
        bot=app.bot,
        i18n=app.i18n,
        studio=services.studio,
        cosmic=cosmic,
        gallery=GalleryService(cosmic.images, cosmic.media),
        profile=ProfileService(services.accounts),
        payments=services.payments,
        analytics=services.analytics,
        cards=services.cards,
        batch=services.batch,
        costs=services.costs,
        reports=services.reports,
        stats=services.stats,
        board=services.shared.board,
        queue=app.queue,
        app_posts=app.app_posts,
        post_actions=app.app_actions.actions,
        signer=app.app_posts.signer,
        rates=services.shared.rates,
        settings=app.settings,
    )


def _receiver(request: Request) -> WebhookReceiver:
    receiver: WebhookReceiver = request.app.state.webhook
    return receiver


def _rejected(status: int, reason: str, error: str) -> JSONResponse:
    WEBHOOK_REJECTIONS.labels(reason).inc()
    return JSONResponse({"ok": False, "error": error}, status_code=status)


def _webhook_too_large() -> JSONResponse:
    return _rejected(413, "too_large", "the body is too large for a Telegram Update")


@telegram_router.post(WEBHOOK_PATH)
async def telegram_webhook(
    request: Request,
    receiver: Annotated[WebhookReceiver, Depends(_receiver)],
    x_telegram_bot_api_secret_token: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """One update from Telegram: answered at once, handled in the background, once."""
    if not receiver.authentic(x_telegram_bot_api_secret_token):
        return _rejected(401, "secret", "wrong or missing secret token")
    try:
        update = receiver.parse(await request.json())
    except BodyTooLarge:  # streamed past WEBHOOK_BODY_LIMIT
        return _webhook_too_large()
    # Not JSON, not an Update (pydantic's ValidationError), or nested deeper than the
    # parser recurses (RecursionError): never a 500.
    except (ValueError, RecursionError):
        return _rejected(400, "malformed", "the body is not a Telegram Update")
    try:
        first_time = await asyncio.wait_for(
            receiver.seen.first_time(update.update_id), READY_TIMEOUT
        )
    except (RedisError, OSError, TimeoutError):  # Telegram delivers it again later
        logger.warning("update %s left for redelivery: Redis did not answer", update.update_id)
        # The mark may have been set with only its answer lost: undo it (best effort), or
        # the redelivery would be taken for a duplicate and never handled.
        with contextlib.suppress(RedisError, OSError, TimeoutError):
            await asyncio.wait_for(receiver.seen.forget(update.update_id), READY_TIMEOUT)
        return _rejected(503, "unavailable", "cannot tell a redelivery apart now")
    if first_time:
        receiver.feed(update)
    else:
        WEBHOOK_DUPLICATES.inc()
    return JSONResponse({"ok": True})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # `serve` handles SIGTERM and SIGINT on the loop instead: uvicorn's own handlers
        # would raise the signal again once it has stopped (SIGTERM's default action ends
        # the process before the updates in flight finish) and, beside the loop's, would
        # see one Ctrl-C twice (a forced exit that skips the lifespan's shutdown).
        yield


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before Telegram is told to send updates here (a port in
    use is an OSError, not an exit from inside uvicorn)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


async def serve(web: FastAPI, sock: socket.socket) -> None:
    """Serves `web` on `sock` until SIGTERM or Ctrl-C (a second one stops waiting for open
    connections), then stops accepting and leaves the lifespan: the updates in flight
    finish."""
    config = uvicorn.Config(
        web, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.handle_exit, sig, None)
    try:
        await server.serve(sockets=[sock])
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
