"""Health and operations. The public listener (`bot web`'s WEB_HOST:WEB_PORT) answers only
`GET /healthz`: one word, `ok` or `failed`. Everything else an operator reads — the
readiness details (`/readyz`) and the Prometheus metrics (`/metrics`) — is served on a
private operations listener (OPS_HOST:OPS_PORT, loopback by default) by every serving
process (`web` and `worker`), never on the public one.

Readiness (the database and Redis answer) is probed at most once every READY_TTL seconds
per process and shared: any number of callers at once wait for one probe, and the ones
after it read its result until it is READY_TTL old."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from bot.metrics import CONTENT_TYPE, exposition
from services.infra.db import Database

logger = logging.getLogger(__name__)

READY_TIMEOUT = 2.0
"""Seconds the database and Redis have to answer a readiness probe."""
READY_TTL = 5.0
"""Seconds a readiness result is served before the next call probes again."""
NOT_CONFIGURED = "not configured"

public_health_router = APIRouter(tags=["health"])
ops_router = APIRouter(tags=["operations"])


@dataclass(frozen=True)
class ReadyState:
    """One probe's result: each dependency's state (`ok`, `not configured` or
    `failed: <why>`), and when it was taken (the readiness clock)."""

    checks: dict[str, str]
    at: float

    @property
    def ready(self) -> bool:
        return all(state in {"ok", NOT_CONFIGURED} for state in self.checks.values())


class Readiness:
    """Whether this process's database and Redis answer, probed at most once every `ttl`
    seconds (one probe at a time; every caller meanwhile waits for it)."""

    def __init__(
        self,
        db: Database,
        redis: Redis | None,
        *,
        ttl: float = READY_TTL,
        timeout: float = READY_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db, self._redis = db, redis
        self.ttl, self.timeout, self._clock = ttl, timeout, clock
        self._last: ReadyState | None = None
        self._probing: asyncio.Task[ReadyState] | None = None
        self.probes = 0
        """Probes made so far (each pings the database and Redis once)."""

    async def state(self) -> ReadyState:
        last = self._last
        if last is not None and self._clock() - last.at < self.ttl:
            return last
        if self._probing is None:
            self._probing = asyncio.create_task(self._probe())
        # A caller that goes away (a client that hangs up) never cancels the shared probe.
        return await asyncio.shield(self._probing)

    async def _probe(self) -> ReadyState:
        try:
            self.probes += 1
            checks = {"database": await self._check(self._db.ping)}
            redis = self._redis
            checks["redis"] = NOT_CONFIGURED if redis is None else await self._check(redis.ping)
            self._last = ReadyState(checks, self._clock())
            return self._last
        finally:
            self._probing = None

    async def _check(self, ping: Callable[[], Awaitable[Any] | Any]) -> str:
        try:
            await asyncio.wait_for(ping(), self.timeout)
        except Exception as error:  # noqa: BLE001 (whatever the failure, it is "not ready")
            return f"failed: {type(error).__name__}: {' '.join(str(error).split())}"[:300]
        return "ok"


def _readiness(request: Request) -> Readiness:
    readiness: Readiness = request.app.state.readiness
    return readiness


ReadinessDep = Annotated[Readiness, Depends(_readiness)]


@public_health_router.get("/healthz")
@ops_router.get("/healthz")
async def healthz(readiness: ReadinessDep) -> JSONResponse:
    """`ok` while the process serves and its database and Redis answer, else `failed`
    (503): one word, no detail (the details are on the operations listener's /readyz)."""
    ready = (await readiness.state()).ready
    return JSONResponse({"status": "ok" if ready else "failed"}, status_code=_status(ready))


@ops_router.get("/readyz")
async def readyz(readiness: ReadinessDep) -> JSONResponse:
    """Ready when the database answers and Redis (when configured) answers PING; 503
    names which failed and why."""
    state = await readiness.state()
    return JSONResponse({"ready": state.ready, **state.checks}, status_code=_status(state.ready))


@ops_router.get("/metrics")
async def metrics() -> Response:
    """Every metric of this process, in Prometheus text format."""
    return Response(content=exposition(), media_type=CONTENT_TYPE)


def _status(ready: bool) -> int:
    return 200 if ready else 503


def create_ops_app(readiness: Readiness) -> FastAPI:
    """The operations listener's app: /metrics, /readyz and /healthz."""
    ops = FastAPI(
        title="Cosmic Studio bot: operations",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    ops.state.readiness = readiness
    ops.include_router(ops_router)
    return ops


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process's own signal handling stops it (bot/http/app.py `serve`, bot/worker.py);
        # this server is stopped by `serve_ops` when the process is done.
        yield


@contextlib.asynccontextmanager
async def serve_ops(ops: FastAPI, sock: socket.socket) -> AsyncIterator[None]:
    """Serves the operations app on `sock` for as long as the block runs."""
    config = uvicorn.Config(
        ops, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    server = _QuietServer(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield
    finally:
        server.should_exit = True
        await serving
