"""The start-up warm-up: the models a process's first requests would build are built, and
stay built however often the garbage collector runs (pydantic caches generics weakly)."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import EditMessageText, SendPhoto
from aiogram.methods.base import Response
from google.genai import types

from bot.warmup import warm_up


def test_warm_up_builds_the_response_models_once_and_keeps_them():
    warm_up()
    built = [weakref.ref(Response[m.__returning__]) for m in (EditMessageText, SendPhoto)]
    gc.collect()
    assert all(model() is not None for model in built)  # the next call finds them built
    assert types.GenerateContentResponse.__pydantic_complete__
    assert types.GenerateContentConfig.__pydantic_complete__
