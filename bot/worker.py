"""`python -m bot worker`: takes generation jobs from the Redis queue (bot/jobs/broker.py) and
runs WORKER_CONCURRENCY of them at once, with the whole app (services, and the Bot to edit
and send) but no polling and no webhook. Like every process it takes part in the leader
election (the leader runs the scheduler and the sweeper).

SIGTERM (or Ctrl-C): no new job is taken; the running ones get WORKER_GRACE seconds to
finish, and any still running then is stopped and handed back unacknowledged (its hold
stays held), so another worker finishes it. `python -m bot run` with REDIS_URL consumes
the queue the same way, next to its polling. The worker's operations listener
(OPS_HOST:OPS_PORT: /metrics with the bot_jobs_* metrics, /readyz, /healthz) is served
around it by `python -m bot worker` (bot/__main__.py, bot/http/health.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from taskiq.receiver import Receiver

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)


async def consume(app: App, stop: asyncio.Event) -> None:
    """Runs the queue's jobs until `stop` is set, then lets the running ones finish
    (up to WORKER_GRACE seconds) and hands the rest back."""
    queue, settings = app.queue, app.settings
    broker = queue.broker
    broker.is_worker_process = True
    await broker.startup()
    receiver = Receiver(
        broker,
        max_async_tasks=settings.worker_concurrency,
        max_prefetch=0,
        run_startup=False,
        wait_tasks_timeout=settings.worker_grace,
    )
    logger.info(
        "taking jobs from the queue, %d at a time (a dead worker's at once, idle ones"
        " after %.0f s)",
        settings.worker_concurrency,
        settings.redelivery_seconds,
    )
    await receiver.listen(stop)
    await queue.hand_back()


async def run_worker(app: App) -> None:
    """The worker process's life, once its app is built: until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        assert app.leadership is not None
        await app.leadership.start()
        await consume(app, stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
