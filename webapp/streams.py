"""The event streams this process serves, counted per person and per job: each open stream
holds a socket and a reader until its job ends, so one person (or one job's link shared
around) may hold only a few. Counted in this process, whose sockets they are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from webapp.errors import N_, ApiError

K = TypeVar("K")


class StreamSeats:
    def __init__(self) -> None:
        self._per_user: Counter[int] = Counter()
        self._per_job: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return self._per_user.total()

    def take(self, user_id: int, job_id: str, per_user: int, per_job: int) -> None:
        """Counts a stream in, or says 429 when the person or the job has its share."""
        if self._per_user[user_id] >= per_user or self._per_job[job_id] >= per_job:
            raise ApiError(
                429,
                N_("Too many live views are open: close one and try again."),
                "too_many_streams",
                headers={"Retry-After": "5"},
            )
        self._per_user[user_id] += 1
        self._per_job[job_id] += 1

    def give_back(self, user_id: int, job_id: str) -> None:
        _less(self._per_user, user_id)
        _less(self._per_job, job_id)


def _less(counter: Counter[K], key: K) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


class SeatedStream(StreamingResponse):
    """A streaming response that gives its seat back however it ends (finished, the
    client gone, or cancelled before its first byte)."""

    def __init__(self, content: Any, give_back: Callable[[], None], **options: Any) -> None:
        super().__init__(content, **options)
        self._give_back = give_back

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._give_back()
