"""Every Prometheus metric the bot exports, defined once (served by `GET /metrics` in
`python -m bot web`), and the observer that feeds the services' events into them
(services/core/events.py), and the job queue's (bot/jobs/runner.py)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from services.core.events import TokenOperation, watch
from services.core.models import GenerationRecord

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

GENERATIONS = Counter(
    "bot_generations",
    "Provider calls stored, by provider, model, kind (text, image, prompt) and status "
    "(ok, failed); a fallback chain's failed tries count each.",
    ["provider", "model", "kind", "status"],
)
GENERATION_COST = Counter(
    "bot_generation_cost_usd",
    "What the stored provider calls cost, in US dollars (as priced by the bot).",
    ["provider", "model", "kind"],
)
TOKENS = Counter(
    "bot_tokens",
    "PRO tokens by ledger operation: reserved (held for a post), committed (spent), "
    "refunded (given back: a failure, or the sweep of a dead run).",
    ["operation"],
)
PUSH_SENDS = Counter(
    "bot_push_sends",
    "Deliveries of daily pushes (campaign=push) and admin broadcasts (campaign=broadcast), "
    "by outcome: sent, blocked, failed, skipped (handled by an earlier run).",
    ["campaign", "outcome"],
)
COSMIC_IMAGES = Counter(
    "bot_cosmic_images",
    "Cosmic Coach images by category and outcome: painted, failed, given (handed to a "
    "person, painted or from the cache).",
    ["category", "outcome"],
)

JOBS_QUEUED = Counter(
    "bot_jobs_queued", "Generation jobs put on the queue, by kind (post, art).", ["kind"]
)
JOBS_RUNNING = Gauge("bot_jobs_running", "Jobs running in this process now, by kind.", ["kind"])
JOBS_FINISHED = Counter(
    "bot_jobs_finished",
    "Jobs that ended, by kind and outcome: done (delivered), failed (refunded and told), "
    "skipped (its hold was settled already: a job delivered again), error (raised: handed "
    "back to the queue), handed_back (stopped with its worker: another one finishes it), "
    "rejected (not a job of this version: dropped).",
    ["kind", "outcome"],
)
JOB_WAIT_SECONDS = Histogram(
    "bot_job_wait_seconds",
    "Time from queuing a job to its start, by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
JOB_SECONDS = Histogram(
    "bot_job_seconds",
    "Time from queuing a job to its end (the person's wait for the photo), by kind.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300),
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class PrometheusObserver:
    """The services' events (services/core/events.py) as the counters above."""

    def generation(self, record: GenerationRecord) -> None:
        GENERATIONS.labels(record.provider, record.model, record.kind, record.status).inc()
        if record.cost_usd:
            GENERATION_COST.labels(record.provider, record.model, record.kind).inc(record.cost_usd)

    def tokens(self, operation: TokenOperation, amount: int) -> None:
        TOKENS.labels(operation.value).inc(amount)

    def push(self, campaign: str, outcome: str) -> None:
        PUSH_SENDS.labels(campaign, outcome).inc()

    def cosmic_image(self, category: str, outcome: str) -> None:
        COSMIC_IMAGES.labels(category, outcome).inc()


def install() -> None:
    """Feeds this process's services' events into its metrics."""
    watch(PrometheusObserver())


def exposition() -> bytes:
    """Every metric of this process in Prometheus text format."""
    return generate_latest(REGISTRY)
