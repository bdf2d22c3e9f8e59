"""The products' chains from configuration: one set of guards (a breaker per model, shared
by a model's post, prompt and horoscope calls; slots per provider), then each product
builds its chains from the generic pieces of services/generation/lineup.py."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from services.cosmic.horoscope import HoroscopeChain, build_horoscope_chain
from services.generation.base import ImageGenerator
from services.generation.chain import ChainEntry, ImageChain
from services.generation.clients import connect_clients
from services.generation.editing import EditChain
from services.generation.lineup import (
    Clients,
    FourKChains,
    Guards,
    build_edit_chain,
    build_four_k_chains,
    build_image_chain,
)
from services.generation.pricing import PriceList
from services.generation.refs import ModelRef, ResilienceSettings
from services.generation.resilience import Guard, RetryPolicy
from services.studio.chains import PromptChain, TextChain
from services.studio.lineup import build_text_chains
from services.studio.models import TextGenerator

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Lineup:
    text: TextChain
    image: ImageChain
    prompts: PromptChain
    horoscopes: HoroscopeChain
    edits: EditChain
    """Edits of an existing picture in words: IMAGE_MODELS' editors, the local renderer."""
    four_k: FourKChains
    """What draws a studio post's picture again at 3840 x 2160."""


def build_lineup(
    text_models: tuple[ModelRef, ...],
    image_models: tuple[ModelRef, ...],
    clients: Clients,
    prices: PriceList,
    settings: ResilienceSettings,
    *,
    text_fallback_to_local: bool = True,
    four_k_models: tuple[ModelRef, ...] = (),
) -> Lineup:
    """Chains of the configured models that have credentials. A model whose provider has
    no key is left out (and logged); the local writer and renderer need none."""
    guards = Guards(settings)
    text, prompts = build_text_chains(
        text_models, clients, prices, guards, fallback_to_local=text_fallback_to_local
    )
    image = build_image_chain(image_models, clients, prices, guards)
    horoscopes = build_horoscope_chain(text_models, clients, prices, guards)
    edits = build_edit_chain(image_models, clients, prices, guards)
    four_k = build_four_k_chains(four_k_models, clients, prices, guards)
    return Lineup(text, image, prompts, horoscopes, edits, four_k)


def configured_lineup(
    settings: Settings,
    clients: Clients,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
) -> Lineup:
    """The lineup of TEXT_MODELS / IMAGE_MODELS (and FOUR_K_MODELS). Tests and benches may
    replace the text or image models with one generator of their own (the image one then
    draws the 4K pictures too)."""
    lineup = build_lineup(
        settings.text_models,
        settings.image_models,
        clients,
        PriceList.load(settings.prices_file),
        settings.resilience,
        text_fallback_to_local=settings.text_fallback_to_local,
        four_k_models=settings.four_k_models,
    )
    logger.info(
        "text models: %s; image models: %s",
        " > ".join(lineup.text.names),
        " > ".join(lineup.image.names),
    )
    if text_generator is not None:
        lineup = replace(lineup, text=TextChain([_entry(text_generator, settings.text_timeout)]))
    if image_generator is not None:
        image = ImageChain([_entry(image_generator, settings.image_timeout)])
        lineup = replace(lineup, image=image, four_k=replace(lineup.four_k, renderer=image))
    return lineup


def _entry(generator: Any, timeout: float) -> ChainEntry[Any]:
    """A generator handed in by a test or bench: a timeout, nothing else in its way."""
    name = f"{getattr(generator, 'provider', 'custom')}:{getattr(generator, 'model', '?')}"
    unlimited = asyncio.Semaphore(1_000_000)
    return ChainEntry(generator, Guard(name, timeout, RetryPolicy(attempts=1), slots=unlimited))


def build_clients(settings: Settings) -> Clients:
    """The SDK clients of the providers whose credentials are set."""
    return connect_clients(
        longest_call=max(settings.text_timeout, settings.image_timeout),
        openai_api_key=_secret(settings.openai_api_key),
        openai_base_url=settings.openai_base_url,
        google_api_key=_secret(settings.google_api_key),
        google_gemini_base_url=settings.google_gemini_base_url,
        google_vertex_api_key=_secret(settings.google_vertex_api_key),
        google_vertex_base_url=settings.google_vertex_base_url,
        google_cloud_project=settings.google_cloud_project,
        google_cloud_location=settings.google_cloud_location,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
