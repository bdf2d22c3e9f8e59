"""Every Prometheus metric the bot exports, defined once (served by `GET /metrics` in
`python -m bot web`). Later work adds its own here: generations, tokens, pushes, jobs."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

UPDATES = Counter("bot_updates", "Updates handed to the dispatcher, by update type.", ["type"])
UPDATE_ERRORS = Counter(
    "bot_update_errors", "Updates whose handling raised an error, by update type.", ["type"]
)
HANDLER_SECONDS = Histogram(
    "bot_handler_seconds",
    "Time from receiving an update to the end of its handling, by update type.",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
WEBHOOK_REJECTIONS = Counter(
    "bot_webhook_rejections",
    "Webhook requests answered without handling: secret (wrong or missing secret token), "
    "malformed (not an Update), unavailable (Redis did not answer).",
    ["reason"],
)
WEBHOOK_DUPLICATES = Counter(
    "bot_webhook_duplicates", "Updates Telegram delivered again, answered and not handled."
)
LEADER_CHANGES = Counter(
    "bot_leader_changes",
    "Times this process became the leader (the one running the scheduler and the sweeper); "
    "summed over the processes: the leader changes.",
)
IS_LEADER = Gauge("bot_is_leader", "1 while this process holds the leader lease, else 0.")
UPDATES_THROTTLED = Counter(
    "bot_updates_throttled",
    "Updates dropped by the per-user flood limit, by update type.",
    ["type"],
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """Every metric of this process in Prometheus text format."""
    return generate_latest(REGISTRY)
