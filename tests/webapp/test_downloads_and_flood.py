"""Downloads from the Mini App count as the chat's do, and the chat's per-person flood
limit covers the API too (one bucket for both): beyond it, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.types import Update

from bot.config import Settings
from tests.fakes.telegram import FakeTelegram
from tests.test_web import Web
from tests.webapp.conftest import ADMIN_ID, FAN_ID, auth, data, give_tier, open_api


async def downloads_today(web: Web) -> int:
    board = await web.client.get("/api/images/admin/stats", headers=auth(ADMIN_ID))
    return int(data(board)["downloadsToday"])


async def test_downloads_are_counted_and_never_cached(web: Web):
    await give_tier(web, FAN_ID, "cosmic")
    made = await web.client.post(
        "/api/images/generate/daily-energy", json={"sign": "leo"}, headers=auth(FAN_ID)
    )
    image = data(made)
    shown = await web.client.get(image["imageUrl"])  # shown in the app: not a download
    assert shown.status_code == 200 and "immutable" in shown.headers["cache-control"]
    assert await downloads_today(web) == 0
    original = await web.client.get(image["downloadUrl"])
    assert original.status_code == 200
    assert original.headers["content-disposition"].startswith("attachment")
    assert original.headers["cache-control"] == "private, no-store"
    card = await web.client.get(image["cards"]["instagram_story"] + "&download=1")
    assert card.status_code == 200 and card.content.startswith(b"\x89PNG")
    again = [await web.client.get(image["downloadUrl"]) for _ in range(20)]
    assert {answer.status_code for answer in again} == {200}
    assert await downloads_today(web) == 1  # once per person, image and day


@pytest.fixture
async def tight(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Web]:
    telegram.add_user(FAN_ID, "Fan")
    limited = settings.model_copy(update={"flood_burst": 3, "flood_rate": 0.25})
    async for opened in open_api(limited, telegram):
        yield opened


async def test_beyond_the_flood_limit_429_with_retry_after(tight: Web):
    for _ in range(3):
        assert (await tight.client.get("/api/me", headers=auth(FAN_ID))).status_code == 200
    refused = await tight.client.get("/api/me", headers=auth(FAN_ID, language="ru"))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "4"  # one token comes back in 4 s
    assert refused.json() == {
        "success": False,
        "error": {
            "code": "flood",
            "message": "Слишком много запросов: подождите 4 с и попробуйте снова.",
        },
    }
    admin = [await tight.client.get("/api/me", headers=auth(ADMIN_ID)) for _ in range(5)]
    assert {answer.status_code for answer in admin} == {200}  # admins are never limited


async def test_the_chat_and_the_app_share_one_bucket(tight: Web):
    for _ in range(3):
        await tight.client.get("/api/me", headers=auth(FAN_ID))
    app, telegram = tight.app, tight.telegram
    update = Update.model_validate(
        telegram.message_update(FAN_ID, "/help"), context={"bot": app.bot}
    )
    await app.dispatcher.feed_update(app.bot, update)
    [note] = [m.visible for m in telegram.chat_messages(FAN_ID)]
    assert note.startswith("Slow down a little")
