"""All runtime settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_DEFAULT_API = "https://api.telegram.org"


class Settings(BaseSettings):
    """One place for every knob; each field is documented in README.md."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_base: str = TELEGRAM_DEFAULT_API
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_url: str = "sqlite:///data/bot.sqlite3"
    redis_url: str | None = None
    media_dir: Path = Path("data/media")
    openai_api_key: SecretStr | None = None
    google_api_key: SecretStr | None = None

    default_locale: str = "en"
    pro_monthly_tokens: int = Field(default=500, ge=0)
    post_cost_tokens: int = Field(default=2, ge=1)
    generation_timeout: float = Field(default=180.0, gt=0)
    text_timeout: float = Field(default=25.0, gt=0)
    image_timeout: float = Field(default=120.0, gt=0)
    log_level: str = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file behind `DATABASE_URL` (only sqlite URLs are supported for now)."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            msg = f"DATABASE_URL must start with {prefix!r} (PostgreSQL is not supported yet)"
            raise ValueError(msg)
        return Path(self.database_url.removeprefix(prefix))
