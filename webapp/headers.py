"""Headers every answer of the web process carries, as plain ASGI: `nosniff` and a
Referrer-Policy everywhere, the Mini App's Content-Security-Policy under /app, and
`Cache-Control: no-store` on /api answers that set no caching of their own (/media keeps
its signed URLs' own headers)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp.errors import API_PREFIX

APP_PREFIX = "/app"
TELEGRAM_FRAMES = "https://web.telegram.org https://*.telegram.org"
"""Telegram Web (K and A) shows a Mini App in an iframe; the other clients in a web view."""
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        # telegram-web-app.js comes from Telegram, as it documents; the app's own modules
        # are files, nothing inline.
        "script-src 'self' https://telegram.org",
        # dashboard.js sizes its bars with `style` attributes (setAttribute): inline
        # styles only, never inline scripts.
        "style-src 'self' 'unsafe-inline'",
        # pictures are same-origin /media URLs; data: and blob: for what the app makes
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors 'self' {TELEGRAM_FRAMES}",
    )
)
EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERYWHERE.items():
                    headers.setdefault(name, value)
                if _under(path, APP_PREFIX):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if _under(path, API_PREFIX):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
