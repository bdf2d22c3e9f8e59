"""Every kind of Cosmic Coach art (services/cosmic/kinds/) is reachable everywhere a kind
must be: its params stored and read back, its wording (ui/cosmic/kinds/), a chat command in
the command menu that a handler answers, its line in /help, a caption, a share text and
share-card lines in every language, a prompt and a local picture, a plan that may make it,
the demo, the Mini App's API route and the Mini App's lists of kinds. A kind declared in its
own modules only fails here, each test naming the place it is missing from."""

from __future__ import annotations

import re
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from fastapi import FastAPI
from PIL import Image

from bot.app import LOCALES_DIR
from bot.demo import COSMIC_SAMPLES
from bot.telegram.lifecycle import COMMANDS
from services.core.categories import dump_params, registered
from services.core.plans import Tier
from services.cosmic.kinds import KINDS, Kind, parse_cosmic
from services.cosmic.prompts import ART, cosmic_image_request
from services.cosmic.tiers import POLICIES
from services.generation.base import Quality
from services.studio.catalog import UI_LANGUAGES
from tests.conftest import PARTNER_ID, Driver
from tests.handlers.sharing.test_texts import stored
from ui.cosmic.kinds import WORDING, Wording
from ui.cosmic.texts import CAPTIONS, caption, upgrade_text
from ui.help import help_text
from ui.sharing.texts import CARD_LINES, SHARE_TEXTS, card_text, share_text
from webapp.api import api_router
from webapp.strings import STRINGS

STATIC = Path(__file__).resolve().parent.parent / "webapp" / "static"
I18N = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")


@pytest.fixture(params=KINDS, ids=[kind.name for kind in KINDS])
def kind(request: pytest.FixtureRequest) -> Kind[Any]:
    return request.param


@pytest.fixture(scope="module")
def api_paths() -> dict[str, Any]:
    """The routes of the Mini App's API, as its FastAPI application describes them."""
    web = FastAPI()
    web.include_router(api_router)
    return web.openapi()["paths"]


def wording_of(kind: Kind[Any]) -> Wording[Any]:
    if kind.category not in WORDING:
        pytest.fail(f"{kind.name} has no wording: add ui/cosmic/kinds/{kind.name}.py (WORDING)")
    return WORDING[kind.category]


def test_its_params_are_stored_and_read_back(kind: Kind[Any]):
    where = f"services/cosmic/kinds/{kind.name}.py"
    assert registered().get(kind.category) is kind.params, f"@register {kind.params} ({where})"
    assert isinstance(kind.sample, kind.params), f"{kind.name}'s sample is no {kind.params}"
    assert parse_cosmic(dump_params(kind.sample)) == kind.sample


def test_it_has_its_wording(kind: Kind[Any]):
    assert wording_of(kind).kind is kind


def test_its_command_is_in_the_menu_and_the_help(kind: Kind[Any]):
    wording = wording_of(kind)
    assert [name for name, _ in COMMANDS].count(wording.command) == 1, (
        f"/{wording.command} is not once in the command menu (bot/telegram/lifecycle.py)"
    )
    assert (wording.command, wording.menu) in COMMANDS
    for language in UI_LANGUAGES:
        with I18N.context(), I18N.use_locale(language):
            line = f"/{wording.command}: {I18N.gettext(wording.help)}\n"
            assert line in help_text(), f"/help ({language}) lacks /{wording.command} (ui/help.py)"


def test_it_has_its_chat_router(kind: Kind[Any]):
    assert find_spec(f"handlers.cosmic.{kind.name}"), (
        f"{kind.name} has no chat: add handlers/cosmic/{kind.name}.py (create_router)"
    )


async def test_its_command_is_answered(driver: Driver, kind: Kind[Any]):
    command = wording_of(kind).command
    await driver.send(PARTNER_ID, f"/{command}")
    answers = driver.texts(PARTNER_ID)
    assert answers and not answers[-1].startswith("I did not understand"), (
        f"no handler answers /{command}: handlers/cosmic/{kind.name}.py, create_router()"
    )


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_its_images_have_a_caption_a_share_text_and_a_card(kind: Kind[Any], language: str):
    wording_of(kind)
    assert kind.category in CAPTIONS, f"no caption for {kind.name} (ui/cosmic/texts.py)"
    assert kind.category in SHARE_TEXTS, f"no share text for {kind.name} (ui/sharing/texts.py)"
    assert kind.category in CARD_LINES, f"no card lines for {kind.name} (ui/sharing/texts.py)"
    image = stored(kind.sample)
    with I18N.context(), I18N.use_locale(language):
        assert caption(kind.sample).startswith("<b>")
        assert share_text(image)
        card = card_text(image, "cosmic_bot", 7, date(2026, 11, 30))
        assert card.headline and card.line
        assert upgrade_text(kind.category).endswith("/plan.")


def test_it_has_a_prompt_and_a_local_picture(kind: Kind[Any]):
    assert ART.get(kind.category) is kind, f"{kind.name} is not in services/cosmic/prompts.py ART"
    request = cosmic_image_request(kind.sample, Quality.STANDARD, seed=1)
    assert kind.subject(kind.sample).text[1:] in request.prompt
    picture = kind.render(kind.sample, 1, 128)
    assert isinstance(picture, Image.Image) and picture.size == (128, 128)


def test_a_plan_may_make_it(kind: Kind[Any]):
    rank = list(Tier).index
    for tier in Tier:
        allowed = kind.category in POLICIES[tier].categories
        assert allowed == (rank(tier) >= rank(kind.lowest_tier)), (
            f"{tier} and {kind.name} (services/cosmic/tiers.py POLICIES)"
        )
    assert kind.category in POLICIES[Tier.UNIVERSE].categories


def test_the_demo_paints_it(kind: Kind[Any]):
    assert COSMIC_SAMPLES.get(kind.name) == kind.sample, f"bot/demo.py paints no {kind.name}"


def test_the_mini_app_api_makes_it(kind: Kind[Any], api_paths: dict[str, Any]):
    assert "post" in api_paths.get(kind.web_route, {}), (
        f"no POST {kind.web_route} in the Mini App's API for {kind.name} (webapp/images.py)"
    )


def test_the_mini_app_lists_it(kind: Kind[Any]):
    """Its form in the Cosmic tab (which takes the kinds from /api/me), and a filter in the
    gallery: one per cat_ string the API serves (webapp/strings.py builds them from the
    kinds' wording)."""
    missing = []
    if not re.search(rf"^  {kind.name}: {{$", (STATIC / "cosmic.js").read_text("utf-8"), re.M):
        missing.append("webapp/static/cosmic.js FORMS (its form and request)")
    if STRINGS.get(f"cat_{kind.name}") != wording_of(kind).label:
        missing.append(f"webapp/strings.py cat_{kind.name} (its label)")
    assert not missing, f"the Mini App does not list {kind.name} in: {', '.join(missing)}"
