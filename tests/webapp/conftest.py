from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from bot.config import Settings
from services.generation.base import ImageGenerator
from services.studio.models import TextGenerator
from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.telegram import FakeTelegram
from tests.test_web import Web, open_web, webhook_settings
from tests.webapp.initdata import auth

FAN_ID = 2002
"""A Cosmic Coach user (free until a test gives a plan)."""


async def open_api(
    settings: Settings,
    telegram: FakeTelegram,
    image_generator: ImageGenerator | None = None,
    text_generator: TextGenerator | None = None,
) -> AsyncIterator[Web]:
    # Closed with this generator (aclose), so the app under it closes before the loop does.
    async with contextlib.aclosing(
        open_web(webhook_settings(settings), telegram, image_generator, text_generator)
    ) as webs:
        async for opened in webs:
            yield opened


@pytest.fixture
async def web(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Web]:
    telegram.add_user(FAN_ID, "Fan")
    async for opened in open_api(settings, telegram):
        yield opened
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def give_tier(web: Web, user_id: int, tier: str) -> None:
    await web.app.services.accounts.get_or_create(user_id, "en")
    await web.app.services.ledger.set_tier(
        user_id, tier, expires_at=None, key=f"tier:{user_id}:{tier}", reason="test"
    )


async def make_pro(web: Web, user_id: int = PARTNER_ID) -> None:
    await web.app.services.accounts.get_or_create(user_id, "en")
    await web.app.services.ledger.set_pro(user_id, True, actor_id=ADMIN_ID, key=f"pro:{user_id}")


__all__ = ["ADMIN_ID", "FAN_ID", "PARTNER_ID", "auth", "give_tier", "make_pro", "open_api"]


def data(response: httpx2.Response, status: int = 200) -> Any:
    """The `data` of seed 003's success envelope, once the status and the envelope hold."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True and set(body) == {"success", "data"}, body
    return body["data"]
