"""The bot with cloud models configured: the real SDK clients talk to a local stand-in of
the OpenAI and Google APIs, the bot to the strict Telegram stand-in."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from bot.config import Settings
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.providers_http import (
    GOOGLE_KEY,
    GOOGLE_UNAVAILABLE,
    OPENAI_KEY,
    OPENAI_MODERATION,
    ProviderAPI,
)
from tests.fakes.telegram import FakeTelegram

LINK = "https://example.com/ref/42"


@pytest.fixture
async def api() -> AsyncIterator[ProviderAPI]:
    server = ProviderAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def cloud(settings: Settings, telegram: FakeTelegram, api: ProviderAPI):
    configured = Settings(
        _env_file=None,
        **{  # type: ignore[arg-type]
            **settings.model_dump(),
            "openai_api_key": OPENAI_KEY,
            "openai_base_url": f"{api.base_url}/v1",
            "google_api_key": GOOGLE_KEY,
            "google_gemini_base_url": api.base_url,
            "retry_base_delay": 0.01,
            "retry_max_delay": 0.02,
        },
    )
    driver = await make_driver(configured, telegram)
    yield driver
    await driver.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def make_post(driver: Driver, language: str = "English") -> None:
    await driver.make_pro()
    await driver.send(PARTNER_ID, "/studio")
    await driver.press(PARTNER_ID, "Success Story")
    await driver.press(PARTNER_ID, "Freelancers")
    await driver.press(PARTNER_ID, language)
    await driver.send(PARTNER_ID, LINK)
    await driver.press(PARTNER_ID, "Generate")


async def generations(driver: Driver) -> list[tuple[str, str, str, float]]:
    rows = await driver.app.services.db.fetch_all(
        "SELECT kind, model, status, cost_usd FROM generations ORDER BY id"
    )
    return [(r["kind"], r["model"], r["status"], r["cost_usd"]) for r in rows]


async def test_a_failing_image_model_falls_back_and_the_user_sees_it(cloud: Driver, api):
    api.fail("gemini-2.5-flash-image", *[GOOGLE_UNAVAILABLE] * 3)
    await make_post(cloud)
    edits = [c.params["text"] for c in cloud.telegram.sent("editMessageText", PARTNER_ID)]
    assert any("Painting the image… trying another model…" in text for text in edits)
    assert len(cloud.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert await cloud.balance() == 498
    records = await generations(cloud)
    assert ("image", "gemini-2.5-flash-image", "failed", 0.0) in records
    assert ("image", "gpt-image-2", "ok", pytest.approx(0.07)) in records
    assert {(kind, model) for kind, model, status, _ in records if status == "ok"} == {
        ("text", "gpt-4.1-mini"),
        ("prompt", "gpt-4.1-mini"),
        ("image", "gpt-image-2"),
    }
    painted = api.calls_to("gpt-image-2")[0].body["prompt"]
    assert painted.startswith("Cinematic photo.")  # the prompt the text model wrote


async def test_cloud_models_write_languages_the_templates_do_not_have(cloud: Driver, api):
    await make_post(cloud, language="Deutsch")
    assert len(cloud.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    system = api.calls_to("gpt-4.1-mini")[0].body["messages"][0]["content"]
    assert "in German" in system
    assert any(LINK in text for text in cloud.texts(PARTNER_ID))


async def test_a_safety_block_is_explained_and_refunded(cloud: Driver, api):
    api.fail("gemini-2.5-flash-image", *[GOOGLE_UNAVAILABLE] * 3)
    api.fail("gpt-image-2", OPENAI_MODERATION)
    await make_post(cloud)
    assert cloud.telegram.sent("sendPhoto", PARTNER_ID) == []
    assert await cloud.balance() == 500
    assert any(
        "blocked by the provider's safety rules" in t and "Your 2 tokens were returned" in t
        for t in cloud.texts(PARTNER_ID)
    )
    assert len(api.calls_to("gpt-image-2")) == 1


async def test_admins_see_what_the_providers_cost_on_balance(cloud: Driver, api):
    await make_post(cloud)
    await cloud.send(ADMIN_ID, "/balance")
    text = cloud.texts(ADMIN_ID)[-1]
    # gemini image: 40 input + 1290 output tokens; gpt-4.1-mini: 320 + 180 tokens, twice
    assert "Provider cost" in text and "Last 30 d: $0.0395 for 3 calls (3 succeeded)" in text
    assert "image · google:gemini-2.5-flash-image: $0.0387 · 1/1" in text
    assert "text · openai:gpt-4.1-mini: $0.0004 · 1/1" in text
    await cloud.send(PARTNER_ID, "/balance")
    assert "Provider cost" not in cloud.texts(PARTNER_ID)[-1]


async def test_cosmic_art_is_painted_square_by_the_cloud_models(cloud: Driver, api):
    await cloud.send(ADMIN_ID, f"/tier {PARTNER_ID} universe 30")
    await cloud.send(PARTNER_ID, "/daily")
    await cloud.press(PARTNER_ID, "Leo")
    await cloud.press(PARTNER_ID, "Create my image")
    (call,) = api.calls_to("gemini-2.5-flash-image")
    assert call.body["generationConfig"]["imageConfig"] == {"aspectRatio": "1:1"}
    prompt = call.body["contents"][0]["parts"][0]["text"]
    assert prompt.startswith("Ethereal, mystical cosmic art") and "constellation of Leo" in prompt
    assert "No text in the image" in prompt
    api.fail("gemini-2.5-flash-image", *[GOOGLE_UNAVAILABLE] * 3)
    await cloud.send(PARTNER_ID, "/avatar")
    for label in ("Scorpio", "I don't know", "Leo", "brave", "Create my avatar"):
        await cloud.press(PARTNER_ID, label)
    (avatar,) = api.calls_to("gpt-image-2")
    assert avatar.body["quality"] == "high" and avatar.body["size"] == "1024x1024"
    photos = [m for m in cloud.telegram.chat_messages(PARTNER_ID) if m.photo]
    assert len(photos) == 2
    image = (await cloud.app.services.cosmic.images.page(PARTNER_ID, 0))[0]
    assert image.model == "gpt-image-2" and image.cost_usd == pytest.approx(0.19)


def documents(telegram: FakeTelegram) -> list[bytes]:
    return [data for call in telegram.sent("sendDocument") for data in call.files.values()]


def size_of(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


async def test_a_cloud_picture_is_repainted_at_4k_by_a_model_that_can(cloud: Driver, api):
    await make_post(cloud)
    photo_message = next(m for m in cloud.telegram.chat_messages(PARTNER_ID) if m.photo)
    await cloud.press(PARTNER_ID, "4K", photo_message)

    (call,) = api.calls_to("gemini-3-pro-image-preview")
    config = call.body["generationConfig"]
    assert config["imageConfig"] == {"aspectRatio": "16:9", "imageSize": "4K"}
    assert config["responseModalities"] == ["IMAGE"]
    prompt, reference = call.body["contents"][0]["parts"]
    assert prompt["text"].startswith("Repaint the attached picture at 4K")
    assert "Cinematic photo." in prompt["text"]  # the prompt the post was painted from
    inline = reference["inlineData"]  # the SDK writes mime_type; the API takes both spellings
    assert inline.get("mimeType", inline.get("mime_type")) == "image/png"
    assert size_of(base64.urlsafe_b64decode(inline["data"])) == (1344, 768)  # the post's picture
    (png,) = documents(cloud.telegram)
    assert size_of(png) == (3840, 2160)  # Gemini's 5504 x 3072, brought to 3840 x 2160
    (document,) = [m for m in cloud.telegram.chat_messages(PARTNER_ID) if m.document]
    assert "Upscaled" not in document.visible and "4K · 3840×2160 · PNG" in document.visible
    assert ("image", "gemini-3-pro-image-preview", "ok", pytest.approx(0.24008)) in (
        await generations(cloud)
    )
    assert await cloud.balance() == 498


async def test_without_a_4k_model_the_cloud_picture_is_upscaled(cloud: Driver, api):
    await make_post(cloud)
    api.fail("gemini-3-pro-image-preview", *[GOOGLE_UNAVAILABLE] * 3)
    photo_message = next(m for m in cloud.telegram.chat_messages(PARTNER_ID) if m.photo)
    await cloud.press(PARTNER_ID, "4K", photo_message)

    assert len(api.calls_to("gemini-3-pro-image-preview")) == 3
    (png,) = documents(cloud.telegram)
    assert size_of(png) == (3840, 2160)
    (document,) = [m for m in cloud.telegram.chat_messages(PARTNER_ID) if m.document]
    assert "Upscaled from the original picture (Lanczos resampling)." in document.visible
    assert ("image", "gemini-3-pro-image-preview", "failed", 0.0) in await generations(cloud)
