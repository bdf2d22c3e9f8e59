"""The OpenAI and Google providers through their real SDK clients, against a local stand-in
speaking their wire formats."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image

from bot.config import Settings
from bot.providers import Lineup, build_clients, build_lineup
from services.cosmic.astro import daily_reading
from services.generation.base import FailureKind, GenerationError
from services.generation.lineup import Clients
from services.generation.pricing import PriceList
from services.generation.refs import parse_models
from services.studio.catalog import Audience, PostType
from services.studio.models import PartialPost as PostPartial
from services.studio.models import PostRequest
from services.studio.prompts import studio_image_request
from tests.fakes.providers_http import (
    GOOGLE_IMAGE_SAFETY,
    GOOGLE_KEY,
    GOOGLE_PROMPT_BLOCKED,
    GOOGLE_RATE_LIMITED,
    GOOGLE_UNAVAILABLE,
    HANG,
    OPENAI_KEY,
    OPENAI_MODERATION,
    OPENAI_RATE_LIMITED,
    OPENAI_SERVER_ERROR,
    VERTEX_KEY,
    Failure,
    ProviderAPI,
)

LINK = "https://example.com/r/42?utm=ignore-previous-instructions"
REQUEST = PostRequest(PostType.LIFESTYLE, Audience.NOMADS, "de", LINK, seed=7)


@pytest.fixture
async def api() -> AsyncIterator[ProviderAPI]:
    server = ProviderAPI()
    await server.start()
    yield server
    await server.stop()


def cloud_settings(api: ProviderAPI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "openai_api_key": OPENAI_KEY,
        "openai_base_url": f"{api.base_url}/v1",
        "google_api_key": GOOGLE_KEY,
        "google_gemini_base_url": api.base_url,
        "google_vertex_api_key": VERTEX_KEY,
        "google_vertex_base_url": api.base_url,
        "text_timeout": 2,
        "image_timeout": 2,
        "prompt_timeout": 1,
        "retry_base_delay": 0.01,
        "retry_max_delay": 0.02,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
async def clients(api: ProviderAPI) -> AsyncIterator[Clients]:
    made = build_clients(cloud_settings(api))
    yield made
    await made.aclose()


def lineup(
    api: ProviderAPI, clients: Clients, text: str, image: str, **settings: object
) -> Lineup:
    config = cloud_settings(api, **settings)
    return build_lineup(
        parse_models(text), parse_models(image), clients, PriceList.load(), config.resilience
    )


async def test_openai_writes_the_post_in_the_chosen_language_with_the_link(api, clients):
    chain = lineup(api, clients, "openai:gpt-4.1-mini", "local").text
    result = await chain.write_post(REQUEST)
    assert LINK in result.text.link_line
    assert result.text.hashtags == ("#RemoteWork", "#digitalnomads", "#Freedom2026")
    assert result.usage.model == "gpt-4.1-mini" and result.usage.input_tokens == 320
    assert result.usage.cost_usd == pytest.approx((320 * 0.40 + 180 * 1.60) / 1e6)
    (call,) = api.calls_to("gpt-4.1-mini")
    system, user = call.body["messages"]
    assert "German" in system["content"]
    # What the partner typed travels as data, never inside the instructions.
    assert LINK not in system["content"] and json.loads(user["content"])["referral_link"] == LINK
    assert call.body["response_format"]["json_schema"]["name"] == "PostDraft"


async def test_gemini_writes_the_post_through_a_response_schema(api, clients):
    chain = lineup(api, clients, "google:gemini-2.5-flash", "local").text
    result = await chain.write_post(REQUEST)
    assert LINK in result.text.link_line and result.usage.output_tokens == 150
    (call,) = api.calls_to("gemini-2.5-flash")
    assert call.headers["x-goog-api-key"] == GOOGLE_KEY
    assert call.body["generationConfig"]["responseSchema"]["title"] == "PostDraft"
    assert "German" in call.body["systemInstruction"]["parts"][0]["text"]


async def test_the_text_model_writes_the_image_prompt_in_english(api, clients):
    prompts = lineup(api, clients, "openai:gpt-4.1-mini,local", "local").prompts
    result = await prompts.write_prompt(REQUEST)
    assert result.usage.model == "gpt-4.1-mini"
    assert "digital nomad" in result.prompt and "35 mm lens" in result.prompt


async def test_a_failing_prompt_writer_falls_back_to_the_template(api, clients):
    api.fail("gpt-4.1-mini", OPENAI_SERVER_ERROR)
    prompts = lineup(api, clients, "openai:gpt-4.1-mini", "local").prompts
    result = await prompts.write_prompt(REQUEST)
    assert result.usage.provider == "local" and "35 mm lens" in result.prompt
    assert len(api.calls_to("gpt-4.1-mini")) == 1  # the prompt step is never retried


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


async def test_gpt_image_paints_16_9_png_and_prices_it(api, clients):
    chain = lineup(api, clients, "local", "openai:gpt-image-2").image
    result = await chain.paint(studio_image_request(REQUEST))
    assert decode(result.png).size == (1536, 864) == (result.width, result.height)
    assert result.usage.cost_usd == pytest.approx(0.07)
    body = api.calls_to("gpt-image-2")[0].body
    assert body["size"] == "1536x864" and body["output_format"] == "png"
    assert body["quality"] == "medium" and "Avoid:" in body["prompt"]


async def test_gemini_image_gets_the_aspect_ratio_and_strict_safety(api, clients):
    chain = lineup(api, clients, "local", "google:gemini-2.5-flash-image").image
    result = await chain.paint(studio_image_request(REQUEST))
    assert decode(result.png).size == (1344, 768)
    assert result.usage.cost_usd == pytest.approx((40 * 0.30 + 1290 * 30.0) / 1e6)
    body = api.calls_to("gemini-2.5-flash-image")[0].body
    config = body["generationConfig"]
    assert config["responseModalities"] == ["IMAGE"]
    assert config["imageConfig"] == {"aspectRatio": "16:9"}
    assert {s["threshold"] for s in body["safetySettings"]} == {"BLOCK_LOW_AND_ABOVE"}


async def test_imagen_on_vertex_express(api, clients):
    chain = lineup(api, clients, "local", "google:imagen-4.0-fast-generate-001").image
    result = await chain.paint(studio_image_request(REQUEST))
    assert decode(result.png).size == (1408, 768) and result.usage.cost_usd == 0.02
    call = api.calls_to("imagen-4.0-fast-generate-001")[0]
    assert call.path.startswith("/v1beta1/publishers/google/models/")
    parameters = call.body["parameters"]
    assert parameters["personGeneration"] == "ALLOW_ADULT"
    assert parameters["safetySetting"] == "BLOCK_LOW_AND_ABOVE"
    assert parameters["aspectRatio"] == "16:9" and parameters["negativePrompt"]


@pytest.mark.parametrize(
    ("model", "failure"),
    [("gpt-image-2", OPENAI_RATE_LIMITED), ("gemini-2.5-flash-image", GOOGLE_RATE_LIMITED)],
)
async def test_rate_limits_are_waited_out_and_retried(api, clients, model, failure):
    api.fail(model, failure)
    provider = "openai" if model.startswith("gpt") else "google"
    chain = lineup(api, clients, "local", f"{provider}:{model}").image
    result = await chain.paint(studio_image_request(REQUEST))
    assert result.usage.model == model and len(api.calls_to(model)) == 2


async def test_server_errors_are_retried_then_the_next_model_paints(api, clients):
    api.fail("gemini-2.5-flash-image", *[GOOGLE_UNAVAILABLE] * 3)
    chain = lineup(api, clients, "local", "google:gemini-2.5-flash-image,openai:gpt-image-2").image
    result = await chain.paint(studio_image_request(REQUEST))
    assert result.usage.model == "gpt-image-2"
    assert len(api.calls_to("gemini-2.5-flash-image")) == 3


@pytest.mark.parametrize(
    ("model", "failure"),
    [
        ("gpt-image-2", OPENAI_MODERATION),
        ("gemini-2.5-flash-image", GOOGLE_IMAGE_SAFETY),
        ("gemini-2.5-flash-image", GOOGLE_PROMPT_BLOCKED),
    ],
)
async def test_a_safety_block_is_final(api, clients, model, failure):
    api.fail(model, failure)
    provider = "openai" if model.startswith("gpt") else "google"
    chain = lineup(api, clients, "local", f"{provider}:{model},local").image
    with pytest.raises(GenerationError) as caught:
        await chain.paint(studio_image_request(REQUEST))
    assert caught.value.kind is FailureKind.SAFETY
    assert len(api.calls) == 1  # not retried, not passed on


async def test_a_hanging_model_times_out_and_the_next_one_answers(api, clients):
    api.fail("gpt-4.1-mini", HANG, HANG, HANG)
    chain = lineup(
        api,
        clients,
        "openai:gpt-4.1-mini,google:gemini-2.5-flash",
        "local",
        text_timeout=0.3,
        retry_attempts=1,
    ).text
    started = time.perf_counter()
    result = await chain.write_post(REQUEST)
    assert result.usage.model == "gemini-2.5-flash"
    assert time.perf_counter() - started < 1.5


async def test_an_unreadable_answer_moves_on_without_retrying(api, clients):
    message = {"role": "assistant", "content": "not json"}
    choice = {"index": 0, "finish_reason": "stop", "logprobs": None, "message": message}
    garbage = Failure(
        answer={
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4.1-mini",
            "choices": [choice],
        }
    )
    api.fail("gpt-4.1-mini", garbage)
    chain = lineup(api, clients, "openai:gpt-4.1-mini,local", "local").text
    result = await chain.write_post(PostRequest(PostType.TIP, Audience.CRYPTO, "es", None, 1))
    assert result.usage.provider == "local" and len(api.calls_to("gpt-4.1-mini")) == 1


def openai_answer(message: dict[str, object], finish_reason: str) -> Failure:
    choice = {"index": 0, "finish_reason": finish_reason, "logprobs": None, "message": message}
    return Failure(
        answer={
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4.1-mini",
            "choices": [choice],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    )


@pytest.mark.parametrize(
    ("message", "finish_reason", "kind"),
    [
        (
            {"role": "assistant", "content": None, "refusal": "I can't."},
            "stop",
            FailureKind.SAFETY,
        ),
        ({"role": "assistant", "content": None}, "content_filter", FailureKind.SAFETY),
        (
            {"role": "assistant", "content": '{"prompt": "A cinematic'},
            "length",
            FailureKind.INVALID,
        ),
        ({"role": "assistant", "content": '{"title": 1}'}, "stop", FailureKind.INVALID),
    ],
)
async def test_an_openai_answer_refused_filtered_or_cut_says_why(
    api, clients, message, finish_reason, kind
):
    """What the SDK's `parse` told from the answer, told the same from its JSON."""
    api.fail("gpt-4.1-mini", openai_answer(message, finish_reason))
    chain = lineup(api, clients, "openai:gpt-4.1-mini", "local").text
    with pytest.raises(GenerationError) as caught:
        await chain.write_post(REQUEST)
    assert caught.value.kind is kind
    assert len(api.calls_to("gpt-4.1-mini")) == 1  # never retried


@pytest.mark.parametrize(
    ("model", "answer"),
    [
        ("gpt-image-2", {"created": 1, "data": [{"b64_json": "not base64!"}]}),
        (
            "gemini-2.5-flash-image",
            {
                "candidates": [
                    {
                        "content": {"parts": [{"inlineData": {"data": "%%%"}}]},
                        "finishReason": "STOP",
                    }
                ]
            },
        ),
    ],
)
async def test_a_picture_that_is_no_base64_moves_on_without_retrying(api, clients, model, answer):
    api.fail(model, Failure(answer=answer))
    provider = "openai" if model.startswith("gpt") else "google"
    chain = lineup(api, clients, "local", f"{provider}:{model},local").image
    result = await chain.paint(studio_image_request(REQUEST))
    assert result.usage.provider == "local" and len(api.calls_to(model)) == 1


async def test_a_wrong_key_is_not_retried(api):
    settings = cloud_settings(api, openai_api_key="sk-wrong")
    made = build_clients(settings)
    try:
        chain = build_lineup(
            parse_models("openai:gpt-4.1-mini,local"),
            parse_models("local"),
            made,
            PriceList.load(),
            settings.resilience,
        ).text
        result = await chain.write_post(PostRequest(PostType.TIP, Audience.CRYPTO, "es", None, 1))
    finally:
        await made.aclose()
    assert result.usage.provider == "local" and len(api.calls_to("gpt-4.1-mini")) == 1


async def test_base_urls_come_from_the_sdks_own_variables(api, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", f"{api.base_url}/v1")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", api.base_url)
    settings = Settings(
        _env_file=None, openai_api_key=OPENAI_KEY, google_api_key=GOOGLE_KEY, retry_attempts=1
    )  # type: ignore[call-arg]
    made = build_clients(settings)
    try:
        chains = build_lineup(
            parse_models("openai:gpt-4.1-mini"),
            parse_models("google:gemini-2.5-flash-image"),
            made,
            PriceList.load(),
            settings.resilience,
        )
        await chains.text.write_post(REQUEST)
        await chains.image.paint(studio_image_request(REQUEST))
    finally:
        await made.aclose()
    assert [c.model for c in api.calls] == ["gpt-4.1-mini", "gemini-2.5-flash-image"]


def test_models_without_credentials_are_left_out():
    chains = build_lineup(
        parse_models("openai:gpt-4.1-mini,google:gemini-2.5-flash,local"),
        parse_models("google:gemini-2.5-flash-image,openai:gpt-image-2,local"),
        Clients(),
        PriceList.load(),
        cloud_settings(ProviderAPI()).resilience,
    )
    assert chains.text.names == ("local",) and chains.image.names == ("local",)
    assert chains.text.languages == {"en", "es", "ru"}


def test_a_chain_spec_with_an_unknown_provider_is_refused():
    with pytest.raises(ValueError, match="unknown provider 'dalle'"):
        parse_models("dalle:dall-e-3")
    assert parse_models(" local ")[0].name == "local"


async def test_text_fallback_to_local_can_be_turned_off(api, clients):
    settings = cloud_settings(api, text_fallback_to_local=False)
    chains = build_lineup(
        settings.text_models,
        settings.image_models,
        clients,
        PriceList.load(),
        settings.resilience,
        text_fallback_to_local=settings.text_fallback_to_local,
    )
    assert chains.text.names == ("openai:gpt-4.1-mini", "google:gemini-2.5-flash")
    assert chains.image.names == ("google:gemini-2.5-flash-image", "openai:gpt-image-2", "local")
    assert len(chains.text.languages) == 10


async def test_horoscopes_come_from_the_text_model_or_the_templates(api, clients):
    reading = daily_reading("leo", date(2026, 11, 24))
    chains = lineup(api, clients, "openai:gpt-4.1-mini,local", "local")
    text, model = await chains.horoscopes.write(reading, "de")
    assert model == "openai:gpt-4.1-mini" and text.startswith("Leo")
    system = api.calls_to("gpt-4.1-mini")[0].body["messages"][0]["content"]
    assert "German" in system
    api.fail("gpt-4.1-mini", OPENAI_SERVER_ERROR, OPENAI_SERVER_ERROR, OPENAI_SERVER_ERROR)
    text, model = await chains.horoscopes.write(reading, "ru")
    assert model == "horoscope-templates-v1" and "Лев" in text


@pytest.mark.parametrize("model", ["openai:gpt-4.1-mini", "google:gemini-2.5-flash"])
async def test_a_streamed_post_is_told_as_it_is_written_and_ends_the_same(api, clients, model):
    """The models stream their structured answer (OpenAI's chat completion chunks, Gemini's
    streamGenerateContent over SSE, each spread over half a second here): the partial post
    grows from the first words of the title to the whole body, and the finished post,
    usage and cost are those of the same answer unstreamed."""
    api.stream_seconds = 0.5
    chain = lineup(api, clients, model, "local").text
    told: list[PostPartial] = []
    started = time.perf_counter()
    streamed = await chain.write_post(REQUEST, on_partial=told.append)
    whole = await chain.write_post(REQUEST)
    assert streamed.text == whole.text and streamed.usage == whole.usage
    assert len(told) >= 4
    assert told[0].body == "" or len(told[0].body) < len(told[-1].body)
    assert all(len(a.body) <= len(b.body) for a, b in zip(told, told[1:], strict=False))
    assert told[-1].title == whole.text.title and told[-1].body == whole.text.body
    assert time.perf_counter() - started >= 0.5  # it did come in pieces over time
    [stream_call, _] = api.calls_to(model.split(":")[1])
    if model.startswith("openai"):
        assert stream_call.body["stream"] is True
        assert stream_call.body["stream_options"] == {"include_usage": True}
    else:
        assert stream_call.path.endswith(":streamGenerateContent")


async def test_a_stream_cut_halfway_moves_on_to_the_next_model(api, clients):
    """A stream that breaks after its first pieces (the connection dropped) is a failed
    call: the next model writes the post from its start."""
    api.stream_seconds = 0.2
    api.cut_streams = {"gpt-4.1-mini"}
    chain = lineup(api, clients, "openai:gpt-4.1-mini,google:gemini-2.5-flash", "local").text
    told: list[PostPartial] = []
    result = await chain.write_post(REQUEST, on_partial=told.append)
    assert result.usage.model == "gemini-2.5-flash"
    assert api.calls_to("gpt-4.1-mini") and told  # it had begun: its pieces were told
    assert told[-1].body == result.text.body  # then the next model's post, whole


def four_k_lineup(api: ProviderAPI, clients: Clients, four_k: str) -> Lineup:
    settings = cloud_settings(api, four_k_models=four_k)
    return build_lineup(
        parse_models("local"),
        parse_models("local"),
        clients,
        PriceList.load(),
        settings.resilience,
        four_k_models=settings.four_k_models,
    )


async def test_four_k_repainters_are_the_gemini_models_with_a_key(api, clients):
    chains = four_k_lineup(api, clients, "google:gemini-3-pro-image-preview,local").four_k
    assert chains.repainters is not None
    assert chains.repainters.names == ("google:gemini-3-pro-image-preview",)
    assert chains.renderer.names == ("local",)
    assert four_k_lineup(api, clients, "local").four_k.repainters is None  # always enlarge
    keyless = build_lineup(
        parse_models("local"),
        parse_models("local"),
        Clients(),
        PriceList.load(),
        cloud_settings(api).resilience,
        four_k_models=parse_models("google:gemini-3-pro-image-preview,local"),
    )
    assert keyless.four_k.repainters is None


def test_four_k_models_that_cannot_paint_at_4k_are_refused():
    with pytest.raises(ValueError, match="openai:gpt-image-2 cannot paint at 4K"):
        Settings(_env_file=None, four_k_models="openai:gpt-image-2,local")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="vertex:imagen-4.0-ultra-generate-001 cannot"):
        Settings(_env_file=None, four_k_models="google:imagen-4.0-ultra-generate-001")  # type: ignore[call-arg]


async def test_gemini_paints_at_the_size_asked_from_the_picture_given(api, clients):
    chains = four_k_lineup(api, clients, "google:gemini-3-pro-image-preview")
    assert chains.four_k.repainters is not None
    reference = Image.new("RGB", (1344, 768), (200, 40, 40))
    buffer = io.BytesIO()
    reference.save(buffer, format="PNG")
    request = replace(
        studio_image_request(REQUEST), image_size="4K", reference_png=buffer.getvalue()
    )
    result = await chains.four_k.repainters.paint(request)
    assert (result.width, result.height) == (5504, 3072)
    (call,) = api.calls_to("gemini-3-pro-image-preview")
    assert call.body["generationConfig"]["imageConfig"] == {
        "aspectRatio": "16:9",
        "imageSize": "4K",
    }
    text, image = call.body["contents"][0]["parts"]
    assert text["text"].startswith("Professional studio photography") and "Avoid:" in text["text"]
    assert base64.urlsafe_b64decode(image["inlineData"]["data"]) == buffer.getvalue()
    assert result.usage.cost_usd == pytest.approx((40 * 2.0 + 2000 * 120.0) / 1_000_000)
