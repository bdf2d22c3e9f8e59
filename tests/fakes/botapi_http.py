"""FakeTelegram over real HTTP (aiohttp), for end-to-end tests and benchmarks:
`TELEGRAM_API_BASE=http://127.0.0.1:<port>` points the real bot at it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram import FakeTelegram


class BotAPIServer:
    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.token: str | None = None
        """When set, any other token is refused with 401 Unauthorized, as Telegram does."""
        self._delivery: asyncio.Task[None] | None = None

    async def start(self, port: int = 0) -> str:
        """Listens on `port` (0: any free one; a port used before: a server come back)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        self.telegram.close()
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if self.token is not None and request.match_info["token"] != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(body, status=401)
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in (await request.json()).items()
            }
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                else:
                    params[key] = value
        body = await self.telegram.handle(request.match_info["method"], params, files)
        status = 200 if body["ok"] else body["error_code"]
        return web.json_response(body, status=status)

    async def deliver(self, update: dict[str, Any], to: str, secret: str | None = None) -> int:
        """POSTs `update` as Telegram delivers to the webhook that was set: with its secret
        token (or `secret`) in the header. `to` is where the webhook's public URL leads
        (the reverse proxy in front of the bot). Returns the HTTP status answered."""
        webhook = self.telegram.webhook
        assert webhook is not None, "no webhook was set"
        token = secret if secret is not None else webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(to, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status

    def deliver_queued(self, to: str) -> None:
        """From now on every update users make is POSTed to the webhook (at `to`) in order,
        as Telegram does once a webhook is set: one not answered 2xx is tried again."""
        self._delivery = asyncio.create_task(self._deliver_queued(to))

    async def _deliver_queued(self, to: str) -> None:
        while (update := await self.telegram.take_update()) is not None:
            while True:
                try:
                    if 200 <= await self.deliver(update, to) < 300:
                        break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
