"""Logging: `LOG_FORMAT=text` (one readable line a record) or `json` (one JSON object a
line: time, level, logger, message, exception, and the update, user and scheduler job
being handled when there is one). The ids are context variables, set by the update
middleware (bot/telegram/middlewares.py) and the scheduler's job runner
(bot/duties/scheduler.py): every task started while handling copies them, so a service's
log line names them too."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")
"""The token inside a Bot API URL, as aiohttp's errors quote it: never logged."""


UPDATE_ID: ContextVar[int | None] = ContextVar("update_id", default=None)
USER_ID: ContextVar[int | None] = ContextVar("user_id", default=None)
JOB: ContextVar[str | None] = ContextVar("job", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ContextFilter(logging.Filter):
    """Puts the ids of what is being handled on each record (None when nothing is)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = UPDATE_ID.get()
        record.user_id = USER_ID.get()
        record.job = JOB.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line; a bot token quoted in a URL is cut out, as in text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _redact(record.getMessage()),
        }
        for name in ("update_id", "user_id", "job"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = _redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = _redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = _redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _redact(text: str) -> str:
    return TOKEN_IN_URL.sub("/bot<token>/", text)


def log_handler(log_format: str) -> logging.Handler:
    """The stderr handler of `python -m bot` for LOG_FORMAT (`text` or `json`)."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter(TEXT_FORMAT))
    return handler


class RedactingFormatter(logging.Formatter):
    """Text lines (and tracebacks) without the bot token of a Bot API URL."""

    def format(self, record: logging.LogRecord) -> str:
        return _redact(super().format(record))
