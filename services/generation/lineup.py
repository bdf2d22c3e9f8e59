"""From configuration to chains: `TEXT_MODELS=openai:gpt-4.1-mini,google:gemini-2.5-flash,local`
and `IMAGE_MODELS=google:gemini-2.5-flash-image,openai:gpt-image-2,local` become a text
chain, an image chain and the prompt-writing chain, every model behind its Guard."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.cosmic.horoscope import CloudHoroscopes, HoroscopeChain, TemplateHoroscopes
from services.generation.base import ImageGenerator
from services.generation.chain import ChainEntry, ImageChain
from services.generation.google_provider import GeminiImagePainter, GeminiModel, ImagenPainter
from services.generation.local.painter import LocalImageRenderer
from services.generation.openai_provider import OpenAIChatModel, OpenAIImagePainter
from services.generation.pricing import PriceList
from services.generation.resilience import CircuitBreaker, Guard, RetryPolicy
from services.studio.chains import PromptChain, TextChain
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PromptWriter, TextGenerator
from services.studio.writing import (
    CloudPromptWriter,
    CloudTextWriter,
    StructuredModel,
    TemplatePromptWriter,
)

logger = logging.getLogger(__name__)

PROVIDERS = ("openai", "google", "vertex", "local")
LOCAL = "local"
LOCAL_RESERVE = 10.0
"""Seconds held back for the local writer or renderer when it is the last resort."""


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


@dataclass(frozen=True, slots=True)
class Clients:
    """The SDK clients that have credentials; None where a provider is not configured."""

    openai: Any | None = None
    google: Any | None = None
    vertex: Any | None = None

    def get(self, provider: str) -> Any | None:
        return getattr(self, provider, None)

    async def aclose(self) -> None:
        if self.openai is not None:
            await self.openai.close()
        for client in (self.google, self.vertex):
            if client is not None:
                await client.aio.aclose()


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


@dataclass(frozen=True, slots=True)
class Lineup:
    text: TextChain
    image: ImageChain
    prompts: PromptChain
    horoscopes: HoroscopeChain


class _Guards:
    """One breaker per model (shared by its text and prompt calls), one pool of slots per
    cloud provider. Locally only the renderer (CPU-bound) is limited; the template writer
    and prompt are instant and never wait behind it."""

    def __init__(self, settings: ResilienceSettings) -> None:
        self.settings = settings
        self._breakers: dict[str, CircuitBreaker] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}

    def make(
        self,
        ref: ModelRef,
        timeout: float,
        retry: RetryPolicy | None = None,
        *,
        renders: bool = False,
    ) -> Guard:
        settings = self.settings
        breaker = self._breakers.setdefault(
            ref.name, CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown)
        )
        pool = ref.provider
        if ref.provider == LOCAL:
            pool = "local-render" if renders else "local-text"
        limit = settings.concurrency.get(ref.provider, 16) if pool != "local-text" else 256
        slots = self._slots.setdefault(pool, asyncio.Semaphore(limit))
        return Guard(
            ref.name,
            timeout,
            retry=retry or settings.retry,
            breaker=breaker,
            slots=slots,
            reserve=LOCAL_RESERVE if ref.provider == LOCAL else None,
        )


CHAT_MODELS: dict[str, Callable[[Any, str, PriceList], StructuredModel]] = {
    "openai": OpenAIChatModel,
    "google": GeminiModel,
}
PAINTERS: dict[str, Callable[[Any, str, PriceList], ImageGenerator]] = {
    "openai": OpenAIImagePainter,
    "google": GeminiImagePainter,
    "vertex": ImagenPainter,
}


def build_lineup(
    text_models: tuple[ModelRef, ...],
    image_models: tuple[ModelRef, ...],
    clients: Clients,
    prices: PriceList,
    settings: ResilienceSettings,
    *,
    text_fallback_to_local: bool = True,
) -> Lineup:
    """Chains of the configured models that have credentials. A model whose provider has
    no key is left out (and logged); the local writer and renderer need none."""
    guards = _Guards(settings)
    text, prompts = _text_entries(text_models, clients, prices, guards, text_fallback_to_local)
    template = ModelRef(LOCAL, "prompt-template")
    prompts.append(
        ChainEntry(TemplatePromptWriter(), guards.make(template, settings.prompt_timeout))
    )
    image = _image_entries(image_models, clients, prices, guards)
    horoscopes = HoroscopeChain(_horoscope_entries(text_models, clients, prices, guards))
    return Lineup(TextChain(text), ImageChain(image), PromptChain(prompts), horoscopes)


def _horoscope_entries(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, guards: _Guards
) -> list[ChainEntry[Any]]:
    """The configured cloud text models, then the templates (which cannot fail)."""
    entries: list[ChainEntry[Any]] = []
    for ref in _available(refs, clients, "horoscope"):
        if ref.provider in CHAT_MODELS:
            model = CHAT_MODELS[ref.provider](clients.get(ref.provider), ref.model, prices)
            entries.append(
                ChainEntry(CloudHoroscopes(model), guards.make(ref, guards.settings.text_timeout))
            )
    template = guards.make(ModelRef(LOCAL, "horoscopes"), guards.settings.text_timeout)
    entries.append(ChainEntry(TemplateHoroscopes(), template))
    return entries


def _text_entries(
    refs: tuple[ModelRef, ...],
    clients: Clients,
    prices: PriceList,
    guards: _Guards,
    fallback_to_local: bool,
) -> tuple[list[ChainEntry[TextGenerator]], list[ChainEntry[PromptWriter]]]:
    timeout = guards.settings.text_timeout
    text: list[ChainEntry[TextGenerator]] = []
    prompts: list[ChainEntry[PromptWriter]] = []
    for ref in _available(refs, clients, "text"):
        if ref.provider == LOCAL:
            if fallback_to_local:
                text.append(ChainEntry(LocalTextWriter(), guards.make(ref, timeout)))
            continue
        if ref.provider not in CHAT_MODELS:
            logger.warning("%s cannot write text; left out of TEXT_MODELS", ref.name)
            continue
        model = CHAT_MODELS[ref.provider](clients.get(ref.provider), ref.model, prices)
        text.append(ChainEntry(CloudTextWriter(model), guards.make(ref, timeout)))
        once = RetryPolicy(attempts=1)
        prompt_guard = guards.make(ref, guards.settings.prompt_timeout, once)
        prompts.append(ChainEntry(CloudPromptWriter(model), prompt_guard))
    if not text:
        logger.warning("no text model is usable; the local template writer serves every post")
        text.append(ChainEntry(LocalTextWriter(), guards.make(ModelRef(LOCAL, ""), timeout)))
    return text, prompts


def _image_entries(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, guards: _Guards
) -> list[ChainEntry[ImageGenerator]]:
    timeout = guards.settings.image_timeout
    entries: list[ChainEntry[ImageGenerator]] = []
    for ref in _available(refs, clients, "image"):
        painter: ImageGenerator
        if ref.provider == LOCAL:
            painter = LocalImageRenderer()
        else:
            painter = PAINTERS[ref.provider](clients.get(ref.provider), ref.model, prices)
        entries.append(ChainEntry(painter, guards.make(ref, timeout, renders=True)))
    if not entries:
        logger.warning("no image model is usable; the local renderer paints every image")
        local = guards.make(ModelRef(LOCAL, ""), timeout, renders=True)
        entries.append(ChainEntry(LocalImageRenderer(), local))
    return entries


def _available(refs: tuple[ModelRef, ...], clients: Clients, kind: str) -> list[ModelRef]:
    usable = []
    for ref in refs:
        if ref.provider != LOCAL and clients.get(ref.provider) is None:
            logger.info(
                "%s skipped in the %s chain: %s is not configured", ref.name, kind, ref.provider
            )
            continue
        usable.append(ref)
    return usable
