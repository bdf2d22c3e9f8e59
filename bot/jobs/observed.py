"""What every job tells whoever watches the process, as a taskiq middleware around the job
(not inside it): the Prometheus metrics (how long it waited, how many run, how each ended,
how long from queued to ended) and the log context (the job's kind and id, and the user it
is for, on every log line written while it runs)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import Token
from dataclasses import dataclass
from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from bot.logs import JOB, USER_ID
from bot.metrics import JOB_SECONDS, JOB_WAIT_SECONDS, JOBS_FINISHED, JOBS_RUNNING


@dataclass(frozen=True, slots=True)
class _Running:
    kind: str
    queued: float
    job: Token[str | None]
    user: Token[int | None]


class JobObserver(TaskiqMiddleware):
    """`kinds`: each task's name → the kind its metrics are labelled with; `outcomes`: the
    labels a job may end with (anything else it returns, a scheduled job's summary, counts
    as done)."""

    def __init__(self, kinds: Mapping[str, str], outcomes: frozenset[str]) -> None:
        super().__init__()
        self._kinds = kinds
        self._outcomes = outcomes
        self._running: dict[str, _Running] = {}

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        kind = self._kinds.get(message.task_name)
        if kind is None:
            return message
        data, queued = _arguments(message)
        JOB_WAIT_SECONDS.labels(kind).observe(max(time.time() - queued, 0.0))
        JOBS_RUNNING.labels(kind).inc()
        job = JOB.set(f"{kind}:{message.task_id}")
        where = data.get("where")
        user = USER_ID.set(where.get("user_id") if isinstance(where, dict) else None)
        self._running[message.task_id] = _Running(kind, queued, job, user)
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        running = self._running.pop(message.task_id, None)
        if running is None:
            return
        kind = running.kind
        outcome = result.return_value if not result.is_err else "error"
        JOBS_RUNNING.labels(kind).dec()
        JOBS_FINISHED.labels(kind, outcome if outcome in self._outcomes else "done").inc()
        JOB_SECONDS.labels(kind).observe(max(time.time() - running.queued, 0.0))
        JOB.reset(running.job)
        USER_ID.reset(running.user)


def _arguments(message: TaskiqMessage) -> tuple[dict[str, Any], float]:
    """The job's data and when it was queued, as the queue put them (`kiq(data, queued)`)."""
    data = message.args[0] if message.args else message.kwargs.get("job", {})
    queued = message.args[1] if len(message.args) > 1 else message.kwargs.get("queued", 0.0)
    return (data if isinstance(data, dict) else {}), float(queued)
