"""Which models, in which order: `TEXT_MODELS=openai:gpt-4.1-mini,google:gemini-2.5-flash,local`
read into model refs, and the resilience settings their calls get. Light on purpose: the
settings import it, and a mistake in them is told before any SDK is loaded
(services/generation/lineup.py builds the chains from these)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.generation.resilience import RetryPolicy

PROVIDERS = ("openai", "google", "vertex", "local")
LOCAL = "local"


@dataclass(frozen=True, slots=True)
class ModelRef:
    provider: str
    model: str

    @property
    def name(self) -> str:
        return LOCAL if self.provider == LOCAL else f"{self.provider}:{self.model}"


def parse_models(spec: str) -> tuple[ModelRef, ...]:
    """'openai:gpt-4.1-mini, google:gemini-2.5-flash, local' → refs, in order. Imagen
    models live on Vertex AI only, so 'google:imagen-…' means 'vertex:imagen-…'."""
    refs: list[ModelRef] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        provider, _, model = item.partition(":")
        provider, model = provider.strip().lower(), model.strip()
        if provider not in PROVIDERS:
            msg = f"unknown provider {provider!r} in {item!r} (use one of {', '.join(PROVIDERS)})"
            raise ValueError(msg)
        if provider != LOCAL and not model:
            msg = f"{item!r} names no model (write provider:model)"
            raise ValueError(msg)
        if provider == "google" and model.startswith("imagen-"):
            provider = "vertex"
        refs.append(ModelRef(provider, model or "default"))
    if not refs:
        msg = "the model list is empty"
        raise ValueError(msg)
    return tuple(refs)


FOUR_K_PROVIDERS = frozenset({"google", LOCAL})
"""Where a 4K repaint can come from: the Gemini image models take a 4K size; `local`
stands for enlarging the picture, which is always the last resort."""


@dataclass(frozen=True, slots=True)
class ResilienceSettings:
    text_timeout: float = 25.0
    image_timeout: float = 120.0
    prompt_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_threshold: int = 5
    breaker_cooldown: float = 60.0
    concurrency: dict[str, int] = field(default_factory=dict)
    """Calls in flight per provider (openai, google, vertex, local); 16 when not given.
    For `local` it limits the image renderer only."""
    local_writer_pace: float = 0.0
    """Seconds between the local writer's sentences when a post is streamed."""
