"""The studio's chains from the configured text models: the post writers (the cloud ones,
then the local template writer) and the prompt-rewriting step (the cloud ones, then the
brand template), every model behind its Guard (one breaker per model for both)."""

from __future__ import annotations

import logging

from services.generation.chain import ChainEntry
from services.generation.lineup import Clients, Guards, chat_models
from services.generation.pricing import PriceList
from services.generation.refs import LOCAL, ModelRef
from services.generation.resilience import RetryPolicy
from services.studio.chains import PromptChain, TextChain
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PromptWriter, TextGenerator
from services.studio.writing import CloudPromptWriter, CloudTextWriter, TemplatePromptWriter

logger = logging.getLogger(__name__)


def build_text_chains(
    refs: tuple[ModelRef, ...],
    clients: Clients,
    prices: PriceList,
    guards: Guards,
    *,
    fallback_to_local: bool = True,
) -> tuple[TextChain, PromptChain]:
    """The configured models that have credentials write posts and polish image prompts;
    the local writer serves every post when none is usable (or when `local` is listed and
    `fallback_to_local` is on); the brand template ends the prompt chain and cannot fail."""
    timeout = guards.settings.text_timeout
    local = LocalTextWriter(guards.settings.local_writer_pace)
    text: list[ChainEntry[TextGenerator]] = []
    prompts: list[ChainEntry[PromptWriter]] = []
    for ref, model in chat_models(refs, clients, prices, "text"):
        if ref.provider == LOCAL:
            if fallback_to_local:
                text.append(ChainEntry(local, guards.make(ref, timeout)))
            continue
        if model is None:
            logger.warning("%s cannot write text; left out of TEXT_MODELS", ref.name)
            continue
        text.append(ChainEntry(CloudTextWriter(model), guards.make(ref, timeout)))
        once = RetryPolicy(attempts=1)
        prompt_guard = guards.make(ref, guards.settings.prompt_timeout, once)
        prompts.append(ChainEntry(CloudPromptWriter(model), prompt_guard))
    if not text:
        logger.warning("no text model is usable; the local template writer serves every post")
        text.append(ChainEntry(local, guards.make(ModelRef(LOCAL, ""), timeout)))
    template = ModelRef(LOCAL, "prompt-template")
    prompt_timeout = guards.settings.prompt_timeout
    prompts.append(ChainEntry(TemplatePromptWriter(), guards.make(template, prompt_timeout)))
    return TextChain(text), PromptChain(prompts)
