"""The products' chains from configuration: one set of guards (a breaker per model, shared
by a model's post, prompt and horoscope calls; slots per provider), then each product
builds its chains from the generic pieces of services/generation/lineup.py."""

from __future__ import annotations

from dataclasses import dataclass

from services.cosmic.horoscope import HoroscopeChain, build_horoscope_chain
from services.generation.chain import ImageChain
from services.generation.lineup import (
    Clients,
    Guards,
    ModelRef,
    ResilienceSettings,
    build_image_chain,
)
from services.generation.pricing import PriceList
from services.studio.chains import PromptChain, TextChain
from services.studio.lineup import build_text_chains


@dataclass(frozen=True, slots=True)
class Lineup:
    text: TextChain
    image: ImageChain
    prompts: PromptChain
    horoscopes: HoroscopeChain


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
    guards = Guards(settings)
    text, prompts = build_text_chains(
        text_models, clients, prices, guards, fallback_to_local=text_fallback_to_local
    )
    image = build_image_chain(image_models, clients, prices, guards)
    horoscopes = build_horoscope_chain(text_models, clients, prices, guards)
    return Lineup(text, image, prompts, horoscopes)
