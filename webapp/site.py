"""The Mini App and its HTTP API, mounted on `python -m bot web`: JSON under /api (its own
OpenAPI at /api/openapi.json), signed media under /media, the static app under /app/. The
routes get what they use from the `WebContext` the web process hands over (webapp/deps.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from webapp import errors
from webapp.api import api_router
from webapp.deps import WebContext
from webapp.guard import ApiGuard
from webapp.headers import SecurityHeaders
from webapp.media import media_router

STATIC = Path(__file__).resolve().parent / "static"
APP_PATH = "/app"
OPENAPI_PATH = "/api/openapi.json"


async def _to_the_app(request: Request) -> RedirectResponse:
    """`/app` → `/app/`, relative: never a URL built from the request's Host header."""
    query = request.url.query
    return RedirectResponse(f"{APP_PATH}/?{query}" if query else f"{APP_PATH}/")


def mount_webapp(web: FastAPI, context: WebContext) -> None:
    """Adds the API, the media and the Mini App to `web`, serving from `context`."""
    web.state.web = context
    errors.install(web, context.i18n)
    web.include_router(api_router)
    web.include_router(media_router)
    web.add_route(APP_PATH, _to_the_app, include_in_schema=False)
    web.mount(APP_PATH, StaticFiles(directory=STATIC, html=True), name="miniapp")
    # Plain ASGI, the last added outermost: the headers go on every answer, the guard's too.
    web.add_middleware(ApiGuard, context=context)
    web.add_middleware(SecurityHeaders)
    schema: dict[str, Any] = {}

    async def openapi() -> JSONResponse:
        if not schema:
            full = get_openapi(
                title="Cosmic Studio Mini App API",
                version="1.0.0",
                description=(
                    "Authenticate with `Authorization: tma <initData>`, or exchange it (or a "
                    "Telegram Login Widget payload) at `POST /api/auth/telegram` for a "
                    "short-lived token and send `Authorization: Bearer <token>`."
                ),
                routes=web.routes,
            )
            paths = full["paths"]
            full["paths"] = {p: v for p, v in paths.items() if p.startswith(errors.API_PREFIX)}
            schema.update(full)
        return JSONResponse(schema)

    web.add_api_route(OPENAPI_PATH, openapi, include_in_schema=False)
