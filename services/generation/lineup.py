"""From configuration to the pieces of chains, knowing no product: the model refs
(services/generation/refs.py: `TEXT_MODELS=openai:gpt-4.1-mini,google:gemini-2.5-flash,local`,
`IMAGE_MODELS=google:gemini-2.5-flash-image,openai:gpt-image-2,local`) become the SDK
clients that have credentials, the guards (a breaker per model, slots per provider), the
cloud chat models a product's writers use, and the image chain. The products build their
own chains from these (services/studio/lineup.py, services/cosmic/horoscope.py);
bot/providers.py puts them together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.generation.base import ImageGenerator
from services.generation.chain import ChainEntry, ImageChain
from services.generation.editing import EditChain, ImageEditor
from services.generation.google_provider import (
    GeminiImageEditor,
    GeminiImagePainter,
    GeminiModel,
    ImagenPainter,
)
from services.generation.local.edits import LocalImageEditor
from services.generation.local.painter import LocalImageRenderer
from services.generation.openai_provider import (
    OpenAIChatModel,
    OpenAIImageEditor,
    OpenAIImagePainter,
)
from services.generation.pricing import PriceList
from services.generation.refs import LOCAL, ModelRef, ResilienceSettings
from services.generation.resilience import CircuitBreaker, Guard, RetryPolicy

logger = logging.getLogger(__name__)

LOCAL_RESERVE = 10.0
"""Seconds held back for the local writer or renderer when it is the last resort."""


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


class Guards:
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
        breaker_name: str | None = None,
    ) -> Guard:
        """`breaker_name`: a breaker of its own (calls whose failures say nothing of the
        model's other calls), not the model's."""
        settings = self.settings
        breaker = self._breakers.setdefault(
            breaker_name or ref.name,
            CircuitBreaker(settings.breaker_threshold, settings.breaker_cooldown),
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


ChatModel = OpenAIChatModel | GeminiModel
"""A cloud language model answering with JSON that matches a schema (the products' writers
take any such model: see services/generation/structured.py)."""

CHAT_MODELS: dict[str, Callable[[Any, str, PriceList], ChatModel]] = {
    "openai": OpenAIChatModel,
    "google": GeminiModel,
}
PAINTERS: dict[str, Callable[[Any, str, PriceList], ImageGenerator]] = {
    "openai": OpenAIImagePainter,
    "google": GeminiImagePainter,
    "vertex": ImagenPainter,
}

EDITORS: dict[str, Callable[[Any, str, PriceList], ImageEditor]] = {
    "openai": OpenAIImageEditor,
    "google": GeminiImageEditor,
}
"""The providers that can edit an existing picture (Imagen on Vertex AI cannot here)."""


def chat_models(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, kind: str
) -> list[tuple[ModelRef, ChatModel | None]]:
    """The configured text models that have credentials, in order, each with its cloud chat
    model: None for `local` (the product's own template writer) and for a provider that
    cannot chat (logged by the caller as it sees fit)."""
    models: list[tuple[ModelRef, ChatModel | None]] = []
    for ref in available(refs, clients, kind):
        factory = CHAT_MODELS.get(ref.provider)
        model = factory(clients.get(ref.provider), ref.model, prices) if factory else None
        models.append((ref, model))
    return models


def build_image_chain(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, guards: Guards
) -> ImageChain:
    """The configured painters that have credentials; the local renderer when none is."""
    return ImageChain(_image_entries(refs, clients, prices, guards))


def _image_entries(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, guards: Guards
) -> list[ChainEntry[ImageGenerator]]:
    timeout = guards.settings.image_timeout
    entries: list[ChainEntry[ImageGenerator]] = []
    for ref in available(refs, clients, "image"):
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


def build_edit_chain(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, guards: Guards
) -> EditChain:
    """The image models of IMAGE_MODELS that can edit a picture and have credentials, in
    order, `local` where it is listed; the local renderer alone when none is usable."""
    timeout = guards.settings.image_timeout
    entries: list[ChainEntry[ImageEditor]] = []
    for ref in available(refs, clients, "edit"):
        editor: ImageEditor | None = LocalImageEditor() if ref.provider == LOCAL else None
        if factory := EDITORS.get(ref.provider):
            editor = factory(clients.get(ref.provider), ref.model, prices)
        if editor is not None:
            entries.append(ChainEntry(editor, guards.make(ref, timeout, renders=True)))
    if not entries:
        local = guards.make(ModelRef(LOCAL, ""), timeout, renders=True)
        entries.append(ChainEntry(LocalImageEditor(), local))
    return EditChain(entries)


@dataclass(frozen=True, slots=True)
class FourKChains:
    """What draws a picture again at 4K: the local renderer (in the same render slots as
    every local painting), and the cloud models that repaint at 4K (FOUR_K_MODELS: those
    with credentials; None when there is none)."""

    renderer: ImageChain
    repainters: ImageChain | None


def build_four_k_chains(
    refs: tuple[ModelRef, ...], clients: Clients, prices: PriceList, guards: Guards
) -> FourKChains:
    """The local renderer, in the local render slots but behind a breaker of its own (4K
    renders failing must not stop the posts' paintings), and the configured 4K models that
    have credentials (`local` among them stands for the enlargement: no model)."""
    timeout = guards.settings.image_timeout
    local: ImageGenerator = LocalImageRenderer()
    guard = guards.make(ModelRef(LOCAL, ""), timeout, renders=True, breaker_name="local-4k")
    renderer = ChainEntry(local, guard)
    cloud = [ref for ref in available(refs, clients, "4K") if ref.provider != LOCAL]
    repainters: list[ChainEntry[ImageGenerator]] = [
        ChainEntry(
            PAINTERS[ref.provider](clients.get(ref.provider), ref.model, prices),
            guards.make(ref, timeout),
        )
        for ref in cloud
    ]
    return FourKChains(ImageChain([renderer]), ImageChain(repainters) if repainters else None)


def available(refs: tuple[ModelRef, ...], clients: Clients, kind: str) -> list[ModelRef]:
    """The refs whose provider is configured (or local); the others are logged, left out."""
    usable = []
    for ref in refs:
        if ref.provider != LOCAL and clients.get(ref.provider) is None:
            logger.info(
                "%s skipped in the %s chain: %s is not configured", ref.name, kind, ref.provider
            )
            continue
        usable.append(ref)
    return usable
