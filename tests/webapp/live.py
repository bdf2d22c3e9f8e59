"""`bot web`'s FastAPI app served by uvicorn on a loopback port, in a thread with its own
event loop (the app is built there too), for clients that are not asyncio: schemathesis,
Playwright. Telegram is the strict in-process stand-in. With `tls=True` it serves HTTPS
with a certificate made for the run (a Mini App is always served over HTTPS, and
Telegram's `downloadFile` takes https URLs only): the browser is told to trust it."""

from __future__ import annotations

import asyncio
import datetime
import socket
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


def self_signed(directory: Path) -> tuple[str, str]:
    """A key and a certificate for 127.0.0.1, good for a day: (certfile, keyfile)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


@contextmanager
def live_server(
    settings: Settings, telegram: FakeTelegram, *, tls: bool = False, **build: Any
) -> Iterator[Live]:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ready = threading.Event()
    holder: dict[str, Any] = {}
    scheme = "https" if tls else "http"
    keys = tempfile.TemporaryDirectory()
    ssl = (
        dict(zip(("ssl_certfile", "ssl_keyfile"), self_signed(Path(keys.name)), strict=True))
        if tls
        else {}
    )

    async def main() -> None:
        # The browser reaches the app here: the absolute URLs the API gives point here too.
        public = webhook_settings(settings, webhook_url=f"{scheme}://127.0.0.1:{port}")
        app = await build_app(public, session=FakeTelegramSession(telegram), **build)
        web = create_web_app(app, grace=2)
        server = uvicorn.Server(uvicorn.Config(web, log_config=None, lifespan="on", **ssl))
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
        keys.cleanup()
        raise RuntimeError(f"the web app did not start: {holder.get('error')!r}")
    try:
        yield Live(f"{scheme}://127.0.0.1:{port}", holder["app"], telegram, holder["loop"])
    finally:
        holder["server"].should_exit = True
        thread.join(30)
        sock.close()
        keys.cleanup()
