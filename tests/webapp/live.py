"""`bot web`'s FastAPI app served by uvicorn on a loopback port, in a thread with its own
event loop (the app is built there too), for clients that are not asyncio: schemathesis,
Playwright. Telegram is the strict in-process stand-in."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from bot.app import App, build_app
from bot.config import Settings
from bot.http.app import create_web_app
from tests.fakes.session import FakeTelegramSession
from tests.fakes.telegram import FakeTelegram
from tests.test_web import webhook_settings


@dataclass
class Live:
    url: str
    app: App
    telegram: FakeTelegram
    loop: asyncio.AbstractEventLoop

    def run(self, work: Callable[[App], Awaitable[Any]]) -> Any:
        """Runs `work(app)` on the server's loop and returns its result."""
        return asyncio.run_coroutine_threadsafe(work(self.app), self.loop).result(30)


@contextmanager
def live_server(settings: Settings, telegram: FakeTelegram, **build: Any) -> Iterator[Live]:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        # The browser reaches the app here: the absolute URLs the API gives point here too.
        public = webhook_settings(settings, webhook_url=f"http://127.0.0.1:{port}")
        app = await build_app(public, session=FakeTelegramSession(telegram), **build)
        web = create_web_app(app, grace=2)
        server = uvicorn.Server(uvicorn.Config(web, log_config=None, lifespan="on"))
        holder.update(app=app, server=server, loop=asyncio.get_running_loop())
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        ready.set()
        try:
            await serving
        finally:
            await app.close()

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # noqa: BLE001 (reported to the test below)
            holder["error"] = error
            ready.set()

    thread = threading.Thread(target=thread_main, name="live-web", daemon=True)
    thread.start()
    ready.wait(30)
    if "error" in holder or "app" not in holder:
        raise RuntimeError(f"the web app did not start: {holder.get('error')!r}")
    try:
        yield Live(f"http://127.0.0.1:{port}", holder["app"], telegram, holder["loop"])
    finally:
        holder["server"].should_exit = True
        thread.join(30)
        sock.close()
