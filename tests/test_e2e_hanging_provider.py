"""Chaos: an image provider that accepts the connection, reads the request and never
answers (a stuck load balancer, a provider under an incident). `python -m bot run` with the
real OpenAI and Google SDK clients: the first image model's call is given up at its timeout
(IMAGE_TIMEOUT), not at the post's deadline (GENERATION_TIMEOUT), and the post arrives from
the next model — both ways round."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, OPENAI_KEY, ProviderAPI
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import User, start_bot, started, stop, walk_studio

IMAGE_TIMEOUT = 3.0
GENERATION_TIMEOUT = 120.0


class SilentServer:
    """A TCP server that accepts every connection, reads what it is sent and never answers
    a byte; the connections stay open until the server stops."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, bytes]] = []
        """When each connection's first bytes arrived (perf_counter), and those bytes."""
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.base_url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._swallow, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            first = await reader.read(65536)
            self.requests.append((time.perf_counter(), first))
            while await reader.read(65536):
                pass  # read on, answer nothing
        except ConnectionError:
            pass
        finally:
            self._open.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def stop(self) -> None:
        for writer in list(self._open):
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def silent() -> AsyncIterator[SilentServer]:
    server = SilentServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI()
    await api.start()
    yield api
    await api.stop()


CASES = {
    "openai hangs, gemini paints": (
        "openai:gpt-image-2,google:gemini-2.5-flash-image",
        "gemini-2.5-flash-image",
        b"POST /v1/images/generations ",
    ),
    "gemini hangs, openai paints": (
        "google:gemini-2.5-flash-image,openai:gpt-image-2",
        "gpt-image-2",
        b"/models/gemini-2.5-flash-image:generateContent ",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
async def test_a_provider_that_never_answers_gives_way_at_its_timeout(
    case: str,
    server: BotAPIServer,
    telegram: FakeTelegram,
    providers: ProviderAPI,
    silent: SilentServer,
    tmp_path,
):
    image_models, fallback, request_line = CASES[case]
    hangs_openai = image_models.startswith("openai")
    process = await start_bot(
        server,
        tmp_path,
        OPENAI_API_KEY=OPENAI_KEY,
        OPENAI_BASE_URL=f"{silent.base_url if hangs_openai else providers.base_url}/v1",
        GOOGLE_API_KEY=GOOGLE_KEY,
        GOOGLE_GEMINI_BASE_URL=providers.base_url if hangs_openai else silent.base_url,
        IMAGE_MODELS=image_models,
        TEXT_MODELS="local",
        IMAGE_TIMEOUT=str(IMAGE_TIMEOUT),
        GENERATION_TIMEOUT=str(GENERATION_TIMEOUT),
        SCHEDULER_ENABLED="false",
    )
    try:
        await started(telegram)
        admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on")
        await walk_studio(partner)
        await telegram.wait_for(lambda: bool(silent.requests), 30)
        await telegram.wait_for(lambda: bool(providers.calls_to(fallback)), 4 * IMAGE_TIMEOUT)

        # The hanging call was given up at its timeout: the fallback was asked about
        # IMAGE_TIMEOUT after the silent provider got the request, not after the deadline.
        asked, request = silent.requests[0]
        assert request_line in request.split(b"\r\n", 1)[0], request[:80]
        waited = providers.calls_to(fallback)[0].at - asked
        assert IMAGE_TIMEOUT - 0.5 < waited < IMAGE_TIMEOUT + 2, waited
        assert len(silent.requests) == 1  # not asked again: the next model's turn

        await telegram.wait_for(lambda: bool(telegram.sent("sendPhoto", PARTNER_ID)), 20)
        await partner.sees("2 tokens spent, 498 left")
        edits = [c.params["text"] for c in telegram.sent("editMessageText", PARTNER_ID)]
        assert any("trying another model" in text for text in edits)
        assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
        assert telegram.errors == []
    finally:
        stderr = await stop(process)
    assert b"Traceback" not in stderr, stderr.decode()
