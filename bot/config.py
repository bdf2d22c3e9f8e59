"""All runtime settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.core.payments import Prices
from services.generation.pricing import DEFAULT_PRICES_FILE, PriceList, TokenPrices
from services.generation.refs import FOUR_K_PROVIDERS, ModelRef, ResilienceSettings, parse_models
from services.generation.resilience import RetryPolicy

TELEGRAM_DEFAULT_API = "https://api.telegram.org"
TELEGRAM_CLOUD_HOST = "api.telegram.org"
DEFAULT_TEXT_MODELS = "openai:gpt-4.1-mini,google:gemini-2.5-flash,local"
DEFAULT_IMAGE_MODELS = "google:gemini-2.5-flash-image,openai:gpt-image-2,local"
DEFAULT_FOUR_K_MODELS = "google:gemini-3-pro-image-preview,local"
DATABASE_PREFIXES = ("sqlite:///", "postgresql://", "postgres://")
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
"""What @BotFather hands out: the bot's id, a colon, then (today) 35 URL-safe characters."""
MIN_JWT_SECRET = 32
"""Characters JWT_SECRET must have at least (an HS256 key as long as its hash)."""
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""What Telegram accepts as setWebhook's secret_token."""
RUN_RENDERS = 2
"""Local renders at once in a process that does everything (`run`): two threads keep ~1.5
cores busy (the renderer releases the GIL for part of its work)."""
WORKER_RENDERS = 1
"""In a `worker`: one at a time, so that each worker holds one core and a deployment
scales by adding workers (one per core), not by threads that share one GIL."""


def is_telegram_cloud(api_base: str) -> bool:
    """Whether TELEGRAM_API_BASE is Telegram's own Bot API (not a self-hosted server)."""
    host = urlsplit(api_base).hostname or ""
    return host == TELEGRAM_CLOUD_HOST


OPS_PORTS = {"web": 9090, "worker": 9091}
"""Each role's operations port when OPS_PORT is not set."""


class Settings(BaseSettings):
    """One place for every knob; each field is documented in README.md."""

    # An empty value (`BOT_TOKEN=` as .env.example ships it) means "not set", in the
    # environment and in .env alike: the default applies.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr | None = None
    telegram_api_base: str = TELEGRAM_DEFAULT_API
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_url: str = "sqlite:///data/bot.sqlite3"
    database_schema: str | None = None
    """PostgreSQL only: the schema that holds the tables (created at start); default public."""
    database_pool_size: int = Field(default=10, ge=1, le=200)
    """PostgreSQL connections per process (and as many again in a burst)."""
    redis_url: str | None = None
    redis_max_connections: int = Field(default=32, ge=4, le=10_000)
    """The most Redis connections the shared state opens per process (a command over it
    waits for one to come back); the job queue has its own few."""
    sse_per_user: int = Field(default=4, ge=1, le=1000)
    """Mini App event streams one person may follow at once on a web process."""
    sse_per_job: int = Field(default=4, ge=1, le=1000)
    """Event streams of one job open at once on a web process."""
    redis_idle_seconds: float = Field(default=30.0, gt=0, le=86_400)
    """A shared-state Redis connection unused this long is closed."""
    media_dir: Path = Path("data/media")
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    google_api_key: SecretStr | None = None
    google_gemini_base_url: str | None = None
    google_cloud_project: str | None = None
    google_cloud_location: str = "us-central1"
    google_vertex_api_key: SecretStr | None = None
    google_vertex_base_url: str | None = None

    text_models: Annotated[tuple[ModelRef, ...], NoDecode] = parse_models(DEFAULT_TEXT_MODELS)
    image_models: Annotated[tuple[ModelRef, ...], NoDecode] = parse_models(DEFAULT_IMAGE_MODELS)
    four_k_models: Annotated[tuple[ModelRef, ...], NoDecode] = parse_models(DEFAULT_FOUR_K_MODELS)
    """The models that repaint a cloud-painted studio picture at 4K, in order (Gemini image
    models that take `image_size="4K"`; those without a key are skipped). When none is left
    or all fail, the picture is enlarged (Lanczos): `local` alone means always enlarge. A
    picture the local renderer drew is drawn again at 3840 x 2160 whatever this says."""
    text_fallback_to_local: bool = True
    prices_file: Path = DEFAULT_PRICES_FILE
    """The models table: what each model costs us, and (`[tokens]`) what each studio action
    costs a partner."""

    default_locale: str = "en"
    bot_timezone: str = "UTC"
    cosmic_price_stars: int = Field(default=150, ge=1)
    universe_price_stars: int = Field(default=350, ge=1)
    token_pack_stars: int = Field(default=250, ge=1)
    token_pack_size: int = Field(default=100, ge=1)
    viral_shares: int = Field(default=50, ge=1)
    reward_shares: int = Field(default=10, ge=1)
    reward_days: int = Field(default=7, ge=1)
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000)
    allow_paid_broadcast: bool = False
    batch_concurrency: int = Field(default=4, ge=1, le=12)
    scheduler_enabled: bool = True
    leader_lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    duty_claim_seconds: float = Field(default=60.0, ge=1, le=3600)
    """A scheduled period's claim is taken over once its runner has not beaten for this
    long (it beats every third of it while it runs)."""
    flood_rate: float = Field(default=3.0, gt=0)
    flood_burst: int = Field(default=10, ge=1)
    pro_monthly_tokens: int = Field(default=500, ge=0)
    variant_count: int = Field(default=3, ge=2, le=10)
    """How many more pictures "🖼 More pictures" paints (a media group holds 2 to 10)."""
    generation_timeout: float = Field(default=180.0, gt=0)
    sweep_margin: float = Field(default=120.0, ge=0)
    sweep_interval: float = Field(default=60.0, gt=0)
    text_timeout: float = Field(default=25.0, gt=0)
    draft_rate: float = Field(default=100.0, gt=0, le=1000)
    """Drafts a second (text shown as it is written) for the whole bot, every process."""
    draft_interval: float = Field(default=1.0, ge=0.2, le=30)
    """Seconds between two drafts in one chat."""
    local_writer_pace: float = Field(default=0.3, ge=0, le=5)
    """Seconds between the sentences of a post the local writer streams (0: at once)."""
    image_timeout: float = Field(default=120.0, gt=0)
    prompt_timeout: float = Field(default=10.0, gt=0)
    retry_attempts: int = Field(default=3, ge=1, le=10)
    retry_base_delay: float = Field(default=0.5, ge=0)
    retry_max_delay: float = Field(default=8.0, ge=0)
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_cooldown: float = Field(default=60.0, gt=0)
    openai_concurrency: int = Field(default=16, ge=1)
    google_concurrency: int = Field(default=16, ge=1)
    vertex_concurrency: int = Field(default=8, ge=1)
    local_concurrency: int | None = Field(default=None, ge=1)
    """Local image renders at once (CPU-bound). Unset: RUN_RENDERS in `run` and `web`,
    WORKER_RENDERS in `worker` (see `for_worker`)."""
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object a line (bot/logs.py)."""
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "0.0.0.0"
    web_port: int = Field(default=8080, ge=1, le=65535)
    ops_host: str = "127.0.0.1"
    """Where `web` and `worker` serve /metrics, /readyz and /healthz for operators (never
    on the public listener): loopback unless Prometheus scrapes from elsewhere."""
    ops_port: int | None = Field(default=None, ge=1, le=65535)
    """The operations listener's port; by default 9090 for `web` and 9091 for `worker`, so
    the Procfile's pair runs on one host (a second worker there needs its own)."""
    webapp_auth_max_age: int = Field(default=7_200, ge=1)
    """Seconds a Mini App's signed init data (or a Login Widget's payload) stays valid from
    its auth_date; the bearer token it is exchanged for carries the session after that."""
    jwt_secret: SecretStr | None = None
    """The HS256 key of the API's bearer tokens (at least 32 characters); unset, a key
    derived from the bot token (webapp/tokens.py), the same in every process."""
    jwt_ttl: int = Field(default=3_600, ge=60, le=86_400)
    """Seconds a bearer token of the API is good for (the app signs in again for another)."""
    api_ip_rate: float = Field(default=20.0, gt=0)
    """Calls a second each client address may make to /api (before any sign-in)."""
    api_ip_burst: int = Field(default=120, ge=1)
    """Calls a client address may make to /api at once."""
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    """Addresses (or networks) of the reverse proxies in front of `bot web`: only a request
    from one of them has its client taken from X-Forwarded-For."""
    media_url_ttl: int = Field(default=3_600, ge=60)
    """Seconds a signed /media URL works."""
    worker_concurrency: int = Field(default=8, ge=1, le=1000)
    """Jobs one `python -m bot worker` (or the in-process queue) runs at once."""
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Older name of a worker's OPS_PORT: when set, `python -m bot worker` serves its
    operations listener (on OPS_HOST) on this port instead."""
    worker_grace: float = Field(default=60.0, ge=0)
    """Seconds a stopping worker lets its running jobs finish before it hands them back."""
    job_redelivery_seconds: float | None = Field(default=None, gt=0)
    """Idle time after which a dead worker's job goes to another (default: a tenth of
    GENERATION_TIMEOUT + SWEEP_MARGIN, at most 30 s); see `redelivery_seconds`."""
    owner_timeout: float = Field(default=15.0, gt=0)
    """Seconds without a heartbeat after which a process is dead and its work orphaned
    (services/core/owners.py); on the same host a process that is gone is dead at once."""
    heartbeat_seconds: float = Field(default=3.0, gt=0)
    """Seconds between two heartbeats of a process (less than OWNER_TIMEOUT)."""

    @field_validator("bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if not all(part.isdigit() for part in parts):
                msg = "expected comma-separated numeric Telegram user ids, e.g. 11111111,22222222"
                raise ValueError(msg)
            return frozenset(int(part) for part in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("jwt_secret", mode="before")
    @classmethod
    def _long_secret(cls, value: object) -> object:
        if isinstance(value, str) and value and len(value) < MIN_JWT_SECRET:
            msg = f"expected at least {MIN_JWT_SECRET} characters (e.g. `openssl rand -hex 32`)"
            raise ValueError(msg)
        return value or None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
            msg = "expected an IANA time zone such as UTC or Europe/Madrid"
            raise ValueError(msg) from None
        return value

    @field_validator("telegram_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            msg = "expected an http(s) URL such as https://api.telegram.org"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        # A self-hosted Bot API server (--local) posts to http:// too; Telegram's cloud
        # calls only https (an unreadable TELEGRAM_API_BASE counts as the cloud).
        cloud = is_telegram_cloud(info.data.get("telegram_api_base", TELEGRAM_DEFAULT_API))
        scheme = "https" if cloud else "https?"
        if not re.fullmatch(scheme + r"://[^/\s]+(/\S*)?", value):
            msg = "expected the public https URL of this server, such as https://bot.example.com"
            if not cloud:
                msg = "expected the http(s) URL the Bot API server posts updates to"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: object) -> object:
        if isinstance(value, str) and value and not WEBHOOK_SECRET_SHAPE.fullmatch(value):
            msg = "expected 1 to 256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule)"
            raise ValueError(msg)
        return value or None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(DATABASE_PREFIXES):
            msg = f"must start with one of {', '.join(DATABASE_PREFIXES)}"
            raise ValueError(msg)
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if not isinstance(logging.getLevelName(level), int):
            msg = "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
            raise ValueError(msg)
        return level

    @field_validator("prices_file")
    @classmethod
    def _readable_prices(cls, value: Path) -> Path:
        try:
            TokenPrices.load(value)
            PriceList.load(value)
        except (OSError, tomllib.TOMLDecodeError, KeyError) as error:
            msg = f"cannot read the models table {value}: {error}"
            raise ValueError(msg) from None
        return value

    @field_validator("text_models", "image_models", "four_k_models", mode="before")
    @classmethod
    def _parse_models(cls, value: object) -> object:
        return parse_models(value) if isinstance(value, str) else value

    @field_validator("four_k_models")
    @classmethod
    def _paints_at_4k(cls, value: tuple[ModelRef, ...]) -> tuple[ModelRef, ...]:
        if others := [ref.name for ref in value if ref.provider not in FOUR_K_PROVIDERS]:
            msg = (
                f"{', '.join(others)} cannot paint at 4K: list Gemini image models"
                " (google:…) or local"
            )
            raise ValueError(msg)
        return value

    @field_validator(
        "redis_url",
        "openai_base_url",
        "google_gemini_base_url",
        "google_cloud_project",
        "google_vertex_base_url",
        "webhook_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @model_validator(mode="after")
    def _beats_within_the_timeout(self) -> Settings:
        if self.heartbeat_seconds * 2 > self.owner_timeout:
            msg = "HEARTBEAT_SECONDS must be at most half of OWNER_TIMEOUT"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _redelivery_before_the_sweep(self) -> Settings:
        stale = self.generation_timeout + self.sweep_margin
        if self.job_redelivery_seconds is not None and self.job_redelivery_seconds >= stale:
            msg = (
                "JOB_REDELIVERY_SECONDS must be shorter than GENERATION_TIMEOUT + SWEEP_MARGIN"
                f" ({stale:g} s): past that the sweeper refunds what a worker could finish"
            )
            raise ValueError(msg)
        return self

    @property
    def redelivery_seconds(self) -> float:
        """How long a job read by a worker that died waits before another worker takes it:
        well inside the hold's deadline plus SWEEP_MARGIN, so the sweeper never refunds a
        hold whose job can still run (bot/jobs/broker.py)."""
        if self.job_redelivery_seconds is not None:
            return self.job_redelivery_seconds
        return min((self.generation_timeout + self.sweep_margin) / 10, 30.0)

    def ops_address(self, command: str) -> tuple[str, int]:
        """Where `command`'s operations listener binds (a worker's WORKER_METRICS_PORT,
        when set, wins over OPS_PORT)."""
        port = self.worker_metrics_port if command == "worker" else None
        default = OPS_PORTS.get(command, OPS_PORTS["web"])
        return self.ops_host, port or self.ops_port or default

    @property
    def database_options(self) -> dict[str, Any]:
        """What `services.infra.db.Database` takes besides the URL."""
        return {"schema": self.database_schema, "pool_size": self.database_pool_size}

    @property
    def webapp_url(self) -> str | None:
        """The Mini App (`bot web` serves it at /app/): only with an HTTPS WEBHOOK_URL."""
        url = self.webhook_url
        return f"{url}/app/" if url is not None and url.startswith("https://") else None

    @property
    def token_prices(self) -> TokenPrices:
        """What each studio action costs, from the models table (`[tokens]`)."""
        return TokenPrices.load(self.prices_file)

    @property
    def prices(self) -> Prices:
        return Prices(
            self.cosmic_price_stars,
            self.universe_price_stars,
            self.token_pack_stars,
            self.token_pack_size,
        )

    def for_worker(self) -> Settings:
        """These settings as a `worker` uses them: LOCAL_CONCURRENCY, unless set, is
        WORKER_RENDERS."""
        renders = self.local_concurrency or WORKER_RENDERS
        return self.model_copy(update={"local_concurrency": renders})

    @property
    def resilience(self) -> ResilienceSettings:
        return ResilienceSettings(
            text_timeout=self.text_timeout,
            image_timeout=self.image_timeout,
            prompt_timeout=self.prompt_timeout,
            local_writer_pace=self.local_writer_pace,
            retry=RetryPolicy(self.retry_attempts, self.retry_base_delay, self.retry_max_delay),
            breaker_threshold=self.breaker_threshold,
            breaker_cooldown=self.breaker_cooldown,
            concurrency={
                "openai": self.openai_concurrency,
                "google": self.google_concurrency,
                "vertex": self.vertex_concurrency,
                "local": self.local_concurrency or RUN_RENDERS,
            },
        )
