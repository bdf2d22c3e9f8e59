"""The kinds of Cosmic Coach art. Each kind is one module of this package (daily.py,
match.py, moon.py, avatar.py) that declares its `KIND`: the typed parameters a person asks
for, as they are stored with the image (registered with services/core/categories.py),
what cloud models are asked to paint and what the local renderer draws, the lowest plan
that may make it, the Mini App's route that makes it, and a sample request.

`KINDS` is found from the package's modules, in their `order`. The tables that vary by
kind are built from it: prompts.ART, tiers.POLICIES, the demo's and the benches' samples.
A kind's wording is in ui/cosmic/kinds/<kind>.py and its chat in handlers/cosmic/<kind>.py;
tests/test_kinds.py checks that every kind is reachable everywhere."""

from __future__ import annotations

import pkgutil
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any, ClassVar, Generic, NamedTuple, Self, TypeVar

from PIL import Image

from services.core.categories import Category, parse_params
from services.core.plans import Tier


class CosmicParams(ABC):
    """What a person asks Cosmic Coach to paint: each kind's parameters derive from it (a
    studio post's do not)."""

    __slots__ = ()
    category: ClassVar[Category]

    @abstractmethod
    def to_json(self) -> dict[str, object]: ...

    @classmethod
    @abstractmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self: ...


P = TypeVar("P", bound=CosmicParams)


def stored_strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """The list of strings stored under `key` (none when it is missing or empty)."""
    return tuple(str(item) for item in data.get(key) or ())


_NOT_WORDY = re.compile(r"[^\w\s'-]+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")


def prompt_safe(text: str, limit: int = 40) -> str:
    """A person's words for an image prompt (passed as data, in quotes): letters, digits,
    spaces, apostrophes and hyphens, at most `limit` characters."""
    return " ".join(_NOT_WORDY.sub(" ", _TAG.sub(" ", text)).split())[:limit].strip()


class Subject(NamedTuple):
    """What the prompt describes; the tone is the day's where there is one."""

    text: str
    palette: tuple[str, ...]
    energy: int = 5
    mood: str = "calm"
    focus: str = "growth"


@dataclass(frozen=True, slots=True)
class Kind(Generic[P]):
    """One kind of Cosmic Coach art, as the services know it."""

    params: type[P]
    """Its typed parameters (`@register`ed with core, so its stored rows read back)."""
    order: int
    """Its place in the menus, the help, the demo and the benches (lowest first)."""
    lowest_tier: Tier
    """The lowest plan that may make it; the plans above it may too."""
    subject: Callable[[P], Subject]
    """What cloud models paint, in which colours and tone."""
    render: Callable[[P, int, int], Image.Image]
    """The local picture: (params, seed, side in pixels) → a square image."""
    sample: P
    """One request of this kind, for the demo, the benches and the tests."""
    web_route: str
    """The path of the Mini App's API that makes it (served by webapp/images.py)."""

    @property
    def category(self) -> Category:
        return self.params.category

    @property
    def name(self) -> str:
        """Its category's value, which names its modules (handlers/cosmic/<name>.py…)."""
        return self.category.value


def _found() -> tuple[Kind[Any], ...]:
    """The `KIND` of every module of this package, in their order."""
    kinds = []
    for module in pkgutil.iter_modules(__path__):
        kind = getattr(import_module(f"{__name__}.{module.name}"), "KIND", None)
        if not isinstance(kind, Kind):
            msg = f"services/cosmic/kinds/{module.name}.py declares no KIND"
            raise TypeError(msg)
        kinds.append(kind)
    return tuple(sorted(kinds, key=lambda kind: kind.order))


KINDS = _found()
"""Every kind of Cosmic Coach art, in menu order."""
BY_CATEGORY: Mapping[Category, Kind[Any]] = {kind.category: kind for kind in KINDS}
COSMIC_CATEGORIES = frozenset(BY_CATEGORY)


def parse_cosmic(data: Mapping[str, Any]) -> CosmicParams:
    """A Cosmic Coach request from its JSON (which names its category)."""
    params = parse_params(str(data["category"]), data)
    if not isinstance(params, CosmicParams):
        msg = "a studio post is not a Cosmic Coach request"
        raise ValueError(msg)
    return params


# Each kind's parameters, for `from services.cosmic.kinds import DailyParams` (the package
# has imported its modules by now).
from services.cosmic.kinds.avatar import AvatarParams  # noqa: E402
from services.cosmic.kinds.daily import DailyParams  # noqa: E402
from services.cosmic.kinds.match import MatchParams  # noqa: E402
from services.cosmic.kinds.moon import MoonParams  # noqa: E402

__all__ = [
    "BY_CATEGORY",
    "COSMIC_CATEGORIES",
    "KINDS",
    "AvatarParams",
    "CosmicParams",
    "DailyParams",
    "Kind",
    "MatchParams",
    "MoonParams",
    "Subject",
    "parse_cosmic",
    "stored_strings",
]
