"""The webhook receiver through the real FastAPI app (over ASGI, its lifespan entered as a
server enters it) and the real dispatcher, against the strict fake Bot API."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx2
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from redis.asyncio import Redis

from bot.app import App, build_app
from bot.config import Settings
from bot.http.app import WEBHOOK_PATH, create_web_app
from bot.http.health import create_ops_app
from bot.http.webhook import SEEN_TTL, MemorySeenUpdates, RedisSeenUpdates, WebhookReceiver
from services.generation.base import ImageGenerator
from services.studio.models import TextGenerator
from tests.conftest import PARTNER_ID
from tests.fakes.session import FakeTelegramSession
from tests.fakes.telegram import FakeTelegram

SECRET = "webhook-Secret_0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Web:
    client: httpx2.AsyncClient
    """The public listener's app (the webhook, the Mini App, /healthz)."""
    app: App
    api: FastAPI
    telegram: FakeTelegram
    ops: httpx2.AsyncClient
    """The operations listener's app (/metrics, /readyz), sharing the readiness."""

    @property
    def receiver(self) -> WebhookReceiver:
        return self.api.state.webhook

    async def post(self, update: dict, secret: str | None = SECRET) -> httpx2.Response:
        headers = {HEADER: secret} if secret is not None else {}
        return await self.client.post(WEBHOOK_PATH, json=update, headers=headers)

    async def settled(self) -> None:
        """Every update handed to the background has been handled."""
        await self.telegram.wait_for(lambda: self.receiver.in_flight == 0)

    async def metric(self, name: str, **labels: str) -> float:
        text = (await self.ops.get("/metrics")).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return sample.value
        return 0.0


def webhook_settings(settings: Settings, **changes: object) -> Settings:
    webhook = {"webhook_url": "https://bot.example.com", "webhook_secret": SecretStr(SECRET)}
    return settings.model_copy(update={**webhook, **changes})


@pytest.fixture
async def web_settings(settings: Settings) -> Settings:
    return webhook_settings(settings)


async def open_web(
    settings: Settings,
    telegram: FakeTelegram,
    image_generator: ImageGenerator | None = None,
    text_generator: TextGenerator | None = None,
) -> AsyncIterator[Web]:
    """The web app of a built App, served to an httpx client through ASGI."""
    app = await build_app(
        settings,
        session=FakeTelegramSession(telegram),
        image_generator=image_generator,
        text_generator=text_generator,
    )
    await app.open_connections()  # as `python -m bot web` does (best effort: Redis may be down)
    api = create_web_app(app)
    try:
        async with api.router.lifespan_context(api):
            transport = httpx2.ASGITransport(app=api)
            ops = httpx2.ASGITransport(app=create_ops_app(api.state.readiness))
            async with (
                httpx2.AsyncClient(transport=transport, base_url="http://bot") as client,
                httpx2.AsyncClient(transport=ops, base_url="http://ops") as ops_client,
            ):
                yield Web(client, app, api, telegram, ops_client)
    finally:
        await app.close()


@pytest.fixture
async def web(web_settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Web]:
    async for opened in open_web(web_settings, telegram):
        yield opened
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def test_start_by_webhook_is_answered_in_the_background(web: Web):
    before = await web.metric("bot_updates_total", type="message")
    timed = await web.metric("bot_handler_seconds_count", type="message")
    response = await web.post(web.telegram.message_update(PARTNER_ID, "/start"))
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    await web.settled()
    assert web.telegram.sent("sendMessage", PARTNER_ID)
    assert await web.metric("bot_updates_total", type="message") == before + 1
    assert await web.metric("bot_handler_seconds_count", type="message") == timed + 1


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x"])
async def test_a_wrong_or_missing_secret_is_401_and_nothing_is_handled(
    web: Web, secret: str | None
):
    rejected = await web.metric("bot_webhook_rejections_total", reason="secret")
    response = await web.post(web.telegram.message_update(PARTNER_ID, "/start"), secret)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "wrong or missing secret token"}
    await web.settled()
    assert web.telegram.calls == []
    assert await web.app.services.accounts.get(PARTNER_ID) is None  # not even seen
    assert await web.metric("bot_webhook_rejections_total", reason="secret") == rejected + 1


async def test_a_body_that_is_not_an_update_is_400(web: Web):
    response = await web.client.post(WEBHOOK_PATH, content=b"{not json", headers={HEADER: SECRET})
    assert response.status_code == 400
    response = await web.post({"message": {"text": "no update_id"}})
    assert response.status_code == 400
    assert web.telegram.calls == []


async def test_the_same_update_delivered_twice_is_handled_once(web: Web):
    update = web.telegram.message_update(PARTNER_ID, "/start")
    duplicates = await web.metric("bot_webhook_duplicates_total")
    assert (await web.post(update)).status_code == 200
    assert (await web.post(update)).status_code == 200  # Telegram timed out and retried
    await web.settled()
    assert len(web.telegram.sent("sendMessage", PARTNER_ID)) == 1
    assert await web.metric("bot_webhook_duplicates_total") == duplicates + 1
    await web.post(web.telegram.message_update(PARTNER_ID, "/start"))  # a new update is new
    await web.settled()
    assert len(web.telegram.sent("sendMessage", PARTNER_ID)) == 2


async def test_leaving_the_lifespan_lets_an_update_in_flight_finish(
    web_settings: Settings, telegram: FakeTelegram
):
    app = await build_app(web_settings, session=FakeTelegramSession(telegram))
    api = create_web_app(app)
    try:
        async with api.router.lifespan_context(api):
            transport = httpx2.ASGITransport(app=api)
            async with httpx2.AsyncClient(transport=transport, base_url="http://bot") as client:
                update = telegram.message_update(PARTNER_ID, "/start")
                await client.post(WEBHOOK_PATH, json=update, headers={HEADER: SECRET})
                assert api.state.webhook.in_flight == 1  # answered before it was handled
        assert telegram.sent("sendMessage", PARTNER_ID)  # the server stopped after it finished
        assert api.state.webhook.in_flight == 0
    finally:
        await app.close()


async def test_health_and_readiness_without_redis(web: Web):
    health = await web.client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await web.ops.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "database": "ok", "redis": "not configured"}


async def test_not_ready_when_the_database_does_not_answer(web: Web):
    await web.app.services.db.close()
    ready = await web.ops.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"].startswith("failed: ")
    health = await web.client.get("/healthz")  # the public hears one word, not why
    assert (health.status_code, health.json()) == (503, {"status": "failed"})


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_with_redis_unreachable_not_ready_and_updates_left_for_redelivery(
    settings: Settings, telegram: FakeTelegram
):
    unreachable = webhook_settings(settings, redis_url=f"redis://127.0.0.1:{unused_port()}/0")
    async for web in open_web(unreachable, telegram):
        ready = await web.ops.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "ok"
        assert ready.json()["redis"].startswith("failed: ")
        response = await web.post(telegram.message_update(PARTNER_ID, "/start"))
        assert response.status_code == 503  # Telegram delivers it again later
        await web.settled()
        assert telegram.calls == []


async def test_with_redis_ready_and_a_redelivery_to_another_process_is_handled_once(
    settings: Settings, telegram: FakeTelegram, redis_url: str
):
    shared = webhook_settings(settings, redis_url=redis_url)
    update = telegram.message_update(PARTNER_ID, "/start")
    async for first in open_web(shared, telegram):
        async for second in open_web(shared, telegram):  # two `web` processes, one Redis
            ready = await second.ops.get("/readyz")
            assert ready.json() == {"ready": True, "database": "ok", "redis": "ok"}
            assert (await first.post(update)).status_code == 200
            assert (await second.post(update)).status_code == 200
            await first.settled()
            await second.settled()
    assert len(telegram.sent("sendMessage", PARTNER_ID)) == 1
    redis = Redis.from_url(redis_url)
    try:
        keys = await redis.keys("webhook:update:*")
        assert len(keys) == 1 and keys[0].endswith(f":{update['update_id']}".encode())
        assert 0 < await redis.ttl(keys[0]) <= SEEN_TTL  # forgotten in time
    finally:
        await redis.aclose()
    assert telegram.errors == []


async def test_in_process_the_most_recent_update_ids_are_remembered():
    seen = MemorySeenUpdates(size=3)
    assert [await seen.first_time(i) for i in (1, 2, 3, 3, 4)] == [True] * 3 + [False, True]
    assert await seen.first_time(4) is False
    assert await seen.first_time(1) is True  # the oldest was forgotten: memory stays bounded


def test_the_receiver_refuses_to_run_without_a_secret(settings: Settings):
    unbuilt = dict.fromkeys(
        ["bot", "dispatcher", "services", "i18n", "in_flight", "scheduler", "push", "sweeper"]
        + ["queue", "app_posts", "app_actions"]
    )
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        create_web_app(App(settings=settings, **unbuilt))


async def test_an_update_whose_mark_was_undone_is_handled_on_redelivery(redis_url: str):
    """After a 503 (Redis's answer lost), the mark is undone so the redelivery counts."""
    redis = Redis.from_url(redis_url)
    try:
        for seen in (MemorySeenUpdates(), RedisSeenUpdates(redis, bot_id=1)):
            assert await seen.first_time(77)
            await seen.forget(77)
            assert await seen.first_time(77)
            assert not await seen.first_time(77)
    finally:
        await redis.aclose()
