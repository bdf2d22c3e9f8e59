"""Each kind of Cosmic Coach art (services/cosmic/kinds/) as the chat shows it: one module
per kind (daily.py, match.py, moon.py, avatar.py) with the kind's own buttons and its
`WORDING`: its chat command and the command menu's description of it, its name, its line
in /help, and the caption, share text, share-card lines and upgrade text of its images.
Built from them: ui/cosmic/texts.py CAPTIONS, ui/sharing/texts.py SHARE_TEXTS and
CARD_LINES, the command menu (bot/telegram/lifecycle.py COMMANDS) and the help
(ui/help.py)."""

from __future__ import annotations

import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Generic, TypeVar

from aiogram.utils.i18n import gettext as _

from services.core.categories import Category
from services.cosmic.kinds import KINDS, CosmicParams, Kind

P = TypeVar("P", bound=CosmicParams)

CardLines = tuple[str, str, int | None]
"""(headline, line, energy) of a share card."""


def N_(text: str) -> str:
    """Marks a string for extraction (N_ is one of pybabel's default keywords); it is
    translated where it is shown."""
    return text


def plans_upgrade() -> str:
    """What a free user hears of a kind that comes with the Cosmic plan."""
    return _("Personal cosmic art comes with the Cosmic and Universe plans. See /plan.")


@dataclass(frozen=True, slots=True)
class Wording(Generic[P]):
    """How the chat speaks of one kind."""

    kind: Kind[P]
    command: str
    """Its chat command, without the slash (answered by handlers/cosmic/<kind>.py)."""
    menu: str
    """Its description in the command menu (a msgid: translated per language)."""
    label: str
    """Its name on the Mini App's chips (a msgid: webapp/strings.py holds it as cat_<kind>)."""
    help: str
    """Its line in /help, after "/<command>: " (a msgid)."""
    caption: Callable[[P], str]
    """The caption under an image of it (HTML), in the chat and the gallery."""
    share: Callable[[P], str]
    """What goes with a shared image of it (HTML)."""
    card: Callable[[P, bool], CardLines]
    """Its share cards' lines (given whether the image is a locally painted poster)."""
    upgrade: Callable[[], str]
    """What a person whose plan does not include it hears."""

    @property
    def category(self) -> Category:
        return self.kind.category


def _found() -> tuple[Wording[Any], ...]:
    """The `WORDING` of every module of this package, in the kinds' order."""
    found: dict[Category, Wording[Any]] = {}
    for module in pkgutil.iter_modules(__path__):
        wording = getattr(import_module(f"{__name__}.{module.name}"), "WORDING", None)
        if not isinstance(wording, Wording):
            msg = f"ui/cosmic/kinds/{module.name}.py declares no WORDING"
            raise TypeError(msg)
        found[wording.category] = wording
    return tuple(found[kind.category] for kind in KINDS if kind.category in found)


WORDINGS = _found()
"""The wording of each kind, in the kinds' order (tests/test_kinds.py checks every kind
has one)."""
WORDING: Mapping[Category, Wording[Any]] = {wording.category: wording for wording in WORDINGS}
