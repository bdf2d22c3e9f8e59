"""Work pydantic would otherwise do on a process's first requests, done at start instead.

aiogram builds each method's `Response[...]` model the first time that method answers, and
the providers' SDKs (google-genai, openai) define their types with deferred schemas that
are completed on first use. Together that is ~0.3 s of CPU which a fresh worker or web
process spent while its first users waited (measured with py-spy in bench/post_latency
--worker: 50 posts at once on a fresh worker were all held behind it).

pydantic caches parametrised generics such as `Response[Message]` weakly: once nothing
holds one, a full garbage collection frees it and the next call builds it again (3–5 ms
each, measured). `_KEPT` holds them for the life of the process."""

from __future__ import annotations

import gc
import inspect
import logging
import sys
import time
from types import ModuleType

from aiogram import methods
from aiogram.methods.base import Response, TelegramMethod
from pydantic import BaseModel, PydanticUserError

logger = logging.getLogger(__name__)

_KEPT: list[type] = []

SDK_TYPES = ("google.genai.types", "openai.types", "openai.types.chat")
"""Modules of the providers' SDKs whose models are completed, when the SDK is in use
(imported by the configured line-up: an SDK nobody uses is not imported for this)."""


def warm_up() -> float:
    """Completes the models now (the SDKs imported since the last call too); returns the
    seconds it took."""
    started = time.perf_counter()
    if not _KEPT:
        _KEPT.extend(
            Response[method.__returning__]  # type: ignore[name-defined]
            for method in _classes(methods, TelegramMethod)
            if method is not TelegramMethod
        )
    _complete_sdk_types()
    took = time.perf_counter() - started
    logger.debug("warmed up in %.2f s", took)
    return took


def _complete_sdk_types() -> None:
    for name in SDK_TYPES:
        if (module := sys.modules.get(name)) is not None:
            for model in _classes(module, BaseModel):
                _complete(model)


def _classes(module: ModuleType, base: type) -> list[type]:
    return [c for c in vars(module).values() if inspect.isclass(c) and issubclass(c, base)]


def _complete(model: type[BaseModel]) -> None:
    if model.__pydantic_complete__:
        return
    try:
        model.model_rebuild()
    except (PydanticUserError, NameError):  # not buildable yet: built on use, as before
        logger.debug("could not complete %s ahead of use", model.__qualname__)


def freeze_heap() -> None:
    """For a serving process, once it is built: what start-up made (the modules, the
    models, the app) leaves the garbage collector's view. A full collection walked all of
    it — 0.27 s, during which no update and no job moved (bench/post_latency --worker: one
    run in four held ten photos back by that much) — and now walks only what came since."""
    gc.collect()
    gc.freeze()
