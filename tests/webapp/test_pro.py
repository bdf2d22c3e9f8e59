"""Seed 000's POST /api/pro/generate: by default the finished post (seed 000's body), or,
with `Prefer: respond-async` (the Mini App), a job id at once, the text as soon as it is
written, then the image, the post in the result; the chat's token rules and refunds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from services.generation.local.painter import LocalImageRenderer
from tests.fakes.telegram import FakeTelegram
from tests.test_web import Web
from tests.webapp.conftest import FAN_ID, PARTNER_ID, auth, make_pro, open_api

POST = {"post_type": "fomo", "target_audience": "crypto", "language": "en"}
SEED_000 = {
    "post_type": "Lifestyle Flex",
    "target_audience": "Digital Nomads",
    "language": "English",
    "referral_link": "optional",
}
"""Seed 000's request body, verbatim."""
ASYNC = {"Prefer": "respond-async"}
LOCAL_PAINTER = LocalImageRenderer()


def events_of(body: str) -> list[dict]:
    return [
        json.loads(line.removeprefix("data: "))
        for line in body.splitlines()
        if line.startswith("data: ")
    ]


async def generate(web: Web, body: dict | None = None, user_id: int = PARTNER_ID) -> str:
    headers = {**auth(user_id), **ASYNC}
    response = await web.client.post("/api/pro/generate", json=body or POST, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return response.json()["job_id"]


async def follow(web: Web, job_id: str, user_id: int = PARTNER_ID) -> list[dict]:
    response = await web.client.get(f"/api/jobs/{job_id}/events", headers=auth(user_id))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return events_of(response.text)


async def test_a_partner_gets_the_text_first_then_the_image_then_the_post(web: Web):
    await make_pro(web)
    link = "https://example.com/r?a=1&b=<x>"
    job_id = await generate(web, {**POST, "referral_link": link})
    events = await follow(web, job_id)
    assert [e["status"] for e in events] == ["queued", "text_ready", "image_ready", "done"]
    text = events[1]["text"]
    assert text["title"] and text["body"] and text["hashtags"]
    result = events[-1]["result"]
    assert set(result) >= {
        "title",
        "body",
        "hashtags",
        "image_prompt",
        "image_url",
        "tokens_remaining",
    }
    assert result["title"] == text["title"]
    assert result["tokens_remaining"] == 498
    assert result["image_prompt"]
    image = await web.client.get(result["image_url"])
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    assert "max-age" in image.headers["cache-control"]
    download = await web.client.get(result["download_url"])
    assert download.headers["content-disposition"].startswith("attachment")
    state = (await web.client.get(f"/api/jobs/{job_id}", headers=auth(PARTNER_ID))).json()
    assert state["status"] == "done"
    assert state["result"] == result
    history = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
    assert [p["post_id"] for p in history] == [result["post_id"]]
    assert web.telegram.sent("sendPhoto") == []  # the app shows it; the chat only on request


async def test_seed_000s_request_is_answered_with_seed_000s_post(web: Web):
    await make_pro(web)
    before = (await web.app.services.accounts.get(PARTNER_ID)).balance
    response = await web.client.post("/api/pro/generate", json=SEED_000, headers=auth(PARTNER_ID))
    assert response.status_code == 200, response.text
    post = response.json()
    assert "success" not in post  # bare, as seed 000 shows it
    for field in ("title", "body", "image_prompt", "image_url"):
        assert isinstance(post[field], str) and post[field], field
    assert isinstance(post["hashtags"], list) and post["hashtags"]
    assert all(isinstance(tag, str) and tag.startswith("#") for tag in post["hashtags"])
    assert type(post["tokens_remaining"]) is int
    assert post["tokens_remaining"] == before - 2
    assert (await web.app.services.accounts.get(PARTNER_ID)).balance == before - 2
    image = await web.client.get(post["image_url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    [stored] = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
    assert stored["post_id"] == post["post_id"]
    assert (stored["post_type"], stored["audience"], stored["language"]) == (
        "lifestyle",
        "nomads",
        "en",
    )
    state = (await web.client.get(f"/api/jobs/{post['job_id']}", headers=auth(PARTNER_ID))).json()
    assert state["status"] == "done" and state["result"]["post_id"] == post["post_id"]


async def test_short_keys_in_other_cases_are_answered_with_the_post_too(web: Web):
    await make_pro(web)
    body = {"post_type": "FOMO", "target_audience": "Crypto", "language": "EN"}
    response = await web.client.post("/api/pro/generate", json=body, headers=auth(PARTNER_ID))
    assert response.status_code == 200, response.text
    assert response.json()["tokens_remaining"] == 498


@pytest.mark.parametrize(
    "prefer",
    [
        ["respond-async"],
        ["RESPOND-ASYNC"],
        ['handling=lenient, respond-async; because="a, b"'],
        ['return="minimal, respond-async", wait=10', "Respond-Async"],
    ],
)
async def test_prefer_respond_async_is_a_job_at_once(web: Web, prefer: list[str]):
    await make_pro(web)
    headers = [*auth(PARTNER_ID).items(), *(("Prefer", value) for value in prefer)]
    response = await web.client.post("/api/pro/generate", json=SEED_000, headers=headers)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued" and job["cost"] == 2
    assert response.headers["location"] == f"/api/jobs/{job['job_id']}"
    assert response.headers["preference-applied"] == "respond-async"
    events = await web.client.get(
        response.headers["location"] + "/events", headers=auth(PARTNER_ID)
    )
    statuses = [e["status"] for e in events_of(events.text)]
    assert statuses == ["queued", "text_ready", "image_ready", "done"]


@pytest.mark.parametrize("prefer", ["respond-asynchronously", "wait=5", 'x="respond-async"'])
async def test_other_preferences_wait_for_the_post(web: Web, prefer: str):
    await make_pro(web)
    headers = {**auth(PARTNER_ID), "Prefer": prefer}
    response = await web.client.post("/api/pro/generate", json=SEED_000, headers=headers)
    assert response.status_code == 200, response.text
    assert "preference-applied" not in response.headers
    assert response.json()["tokens_remaining"] == 498


async def test_seed_000s_request_short_of_tokens_is_402_and_costs_nothing(web: Web):
    await make_pro(web)
    web.app.services.studio.cost = 501
    response = await web.client.post("/api/pro/generate", json=SEED_000, headers=auth(PARTNER_ID))
    assert response.status_code == 402
    error = response.json()["error"]
    assert error["code"] == "insufficient"
    assert "501 tokens" in error["message"]
    await web.app.queue.wait()
    assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 500


class SlowPainter:
    """Paints once it is let go (a test leaves meanwhile)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.go = asyncio.Event()

    async def paint(self, request: ImageRequest) -> ImageResult:
        self.started.set()
        await self.go.wait()
        return await LOCAL_PAINTER.paint(request)


async def test_a_client_that_leaves_while_waiting_still_gets_its_post(
    settings: Settings, telegram: FakeTelegram
):
    painter = SlowPainter()
    async with contextlib.aclosing(open_api(settings, telegram, image_generator=painter)) as api:
        web: Web = await anext(api)
        await make_pro(web)
        waiting = asyncio.create_task(
            web.client.post("/api/pro/generate", json=SEED_000, headers=auth(PARTNER_ID))
        )
        await painter.started.wait()
        waiting.cancel()  # the client disconnects while the post is being made
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiting, 5)
        painter.go.set()
        await web.app.queue.wait()
        [post] = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
        assert post["image_url"]
        assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 498
        again = await web.client.post("/api/pro/generate", json=POST, headers=auth(PARTNER_ID))
        assert again.status_code == 200  # nothing left held or locked
        assert again.json()["tokens_remaining"] == 496


async def test_send_to_chat_posts_it_with_its_buttons(web: Web):
    await make_pro(web)
    events = await follow(web, await generate(web))
    post_id = events[-1]["result"]["post_id"]
    history = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
    image_id = history[0]["image_id"]
    response = await web.client.post(f"/api/images/{image_id}/send", headers=auth(PARTNER_ID))
    assert response.status_code == 200
    [photo] = web.telegram.sent("sendPhoto", PARTNER_ID)
    assert "Regenerate" in json.dumps(photo.params["reply_markup"], ensure_ascii=False)
    assert (await web.app.services.studio.post_image(PARTNER_ID, post_id)).file_id


async def test_not_pro_is_403_and_short_of_tokens_is_402(web: Web):
    response = await web.client.post("/api/pro/generate", json=POST, headers=auth(FAN_ID))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_pro"
    await make_pro(web, FAN_ID)
    web.app.services.studio.cost = 10_000
    response = await web.client.post("/api/pro/generate", json=POST, headers=auth(FAN_ID))
    assert response.status_code == 402
    assert "10000" in response.json()["error"]["message"]
    assert (await web.app.services.accounts.get(FAN_ID)).balance == 500


@pytest.mark.parametrize(
    ("body", "chosen"),
    [
        (SEED_000, ("lifestyle", "nomads", "en")),
        (
            {"post_type": " fomo_BUILDER ", "target_audience": "crypto-traders", "language": "ES"},
            ("fomo", "crypto", "es"),
        ),
        (
            {
                "post_type": "TIP",
                "target_audience": "Small_Business_Owners",
                "language": "RUSSIAN",
            },
            ("tip", "smb", "ru"),
        ),
        (
            {"post_type": "giveaway", "target_audience": "SMB", "language": "spanish"},
            ("giveaway", "smb", "es"),
        ),
    ],
)
async def test_choices_by_their_names_or_keys_in_any_case(
    web: Web, body: dict, chosen: tuple[str, str, str]
):
    await make_pro(web)
    await follow(web, await generate(web, body))
    [post] = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
    assert (post["post_type"], post["audience"], post["language"]) == chosen


async def test_the_openapi_example_is_seed_000s_request(web: Web):
    schema = (await web.client.get("/api/openapi.json")).json()
    assert schema["components"]["schemas"]["GenerateRequest"]["examples"] == [SEED_000]
    body = schema["paths"]["/api/pro/generate"]["post"]["requestBody"]["content"]
    example = body["application/json"]["examples"]["seed_000"]["value"]
    assert list(example.items()) == list(SEED_000.items())  # as the seed writes it, in order


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"post_type": "Lifestyle Flexx"}, "Lifestyle Flex (lifestyle)"),
        ({"target_audience": "everyone"}, "Digital Nomads (nomads)"),
        ({"language": "Klingon"}, "English (en), Spanish (es), Russian (ru)"),
        ({"language": "German"}, "English (en), Spanish (es), Russian (ru)"),
    ],
)
async def test_an_unknown_choice_is_422_naming_the_accepted_ones(
    web: Web, change: dict, named: str
):
    await make_pro(web)
    response = await web.client.post(
        "/api/pro/generate", json={**SEED_000, **change}, headers=auth(PARTNER_ID)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False
    assert named in body["error"]["message"]
    assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 500


@pytest.mark.parametrize(
    "change",
    [
        {"post_type": "spam"},
        {"target_audience": ""},
        {"language": "xx"},
        {"referral_link": "javascript:alert(1)"},
        {"referral_link": "https://example.com/" + "a" * 300},
    ],
)
async def test_bad_choices_are_422_and_cost_nothing(web: Web, change: dict):
    await make_pro(web)
    response = await web.client.post(
        "/api/pro/generate", json={**POST, **change}, headers=auth(PARTNER_ID)
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"]
    assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 500


async def test_a_second_post_while_one_runs_is_409(web: Web):
    await make_pro(web)
    first = await generate(web)
    response = await web.client.post("/api/pro/generate", json=POST, headers=auth(PARTNER_ID))
    assert response.status_code == 409
    await follow(web, first)


async def test_another_users_job_is_404(web: Web):
    await make_pro(web)
    job_id = await generate(web)
    for path in (f"/api/jobs/{job_id}", f"/api/jobs/{job_id}/events"):
        response = await web.client.get(path, headers=auth(FAN_ID))
        assert response.status_code == 404
        assert response.json()["error"]["message"]
    await follow(web, job_id)


class BrokenPainter:
    async def paint(self, request: ImageRequest) -> ImageResult:
        raise GenerationError(FailureKind.UNAVAILABLE, "provider down")


@pytest.fixture
async def broken(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Web]:
    async for opened in open_api(settings, telegram, image_generator=BrokenPainter()):
        yield opened


class UnsafePainter:
    async def paint(self, request: ImageRequest) -> ImageResult:
        raise GenerationError(FailureKind.SAFETY, "blocked")


@pytest.mark.parametrize(("painter", "status"), [(BrokenPainter(), 503), (UnsafePainter(), 502)])
async def test_a_failed_post_is_an_error_and_its_tokens_come_back_once(
    settings: Settings, telegram: FakeTelegram, painter: object, status: int
):
    async with contextlib.aclosing(open_api(settings, telegram, image_generator=painter)) as api:
        web: Web = await anext(api)
        await make_pro(web)
        response = await web.client.post(
            "/api/pro/generate", json=SEED_000, headers=auth(PARTNER_ID)
        )
        assert response.status_code == status, response.text
        body = response.json()
        assert body["success"] is False
        assert body["error"]["code"] == "failed"
        assert "2 tokens were returned" in body["error"]["message"]
        assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 500
        # nothing runs again, nothing is refunded twice (bounded: a stuck job fails the test)
        await asyncio.wait_for(web.app.queue.wait(), 60)
        await web.app.services.sweep.run(now=time.time() + 10_000)
        assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 500


async def test_a_failed_image_fails_the_job_and_refunds(broken: Web):
    await make_pro(broken)
    events = await follow(broken, await generate(broken))
    assert events[-1]["status"] == "failed"
    assert events[-1]["refunded"] is True
    assert events[-1]["tokens_remaining"] == 500
    assert "2 tokens were returned" in events[-1]["message"]
    assert (await broken.app.services.accounts.get(PARTNER_ID)).balance == 500


@pytest.mark.parametrize(("per_user", "per_job"), [(2, 9), (9, 2)], ids=["per person", "per job"])
async def test_live_views_are_capped_and_their_seats_come_back(
    settings: Settings, telegram: FakeTelegram, per_user: int, per_job: int
):
    painter = SlowPainter()
    capped = settings.model_copy(update={"sse_per_user": per_user, "sse_per_job": per_job})
    async with contextlib.aclosing(open_api(capped, telegram, image_generator=painter)) as api:
        web: Web = await anext(api)
        await make_pro(web)
        job_id = await generate(web)
        await painter.started.wait()
        streams = web.api.state.web.streams
        following = [asyncio.create_task(follow(web, job_id)) for _ in range(2)]
        await telegram.wait_for(lambda: streams.open == 2)

        refused = await web.client.get(f"/api/jobs/{job_id}/events", headers=auth(PARTNER_ID))
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_streams"
        assert refused.headers["retry-after"]

        painter.go.set()
        for events in await asyncio.gather(*following):
            assert events[-1]["status"] == "done"
        assert streams.open == 0  # every seat is back
        assert (await follow(web, job_id))[-1]["status"] == "done"


async def test_the_mini_app_sees_the_post_written_and_can_stop_it_for_its_tokens(
    settings: Settings, telegram: FakeTelegram
):
    painter = SlowPainter()
    streaming = settings.model_copy(update={"local_writer_pace": 0.05})
    async with contextlib.aclosing(open_api(streaming, telegram, image_generator=painter)) as api:
        web: Web = await anext(api)
        await make_pro(web)
        job_id = await generate(web)
        await painter.started.wait()
        await asyncio.sleep(0.6)  # the text is written meanwhile (the picture waits)
        state = (await web.client.get(f"/api/jobs/{job_id}", headers=auth(PARTNER_ID))).json()
        assert state["status"] == "text_ready" and state["text"]["body"]

        stopped = await web.client.post(f"/api/jobs/{job_id}/stop", headers=auth(PARTNER_ID))
        assert stopped.status_code == 202 and stopped.json() == {
            "job_id": job_id,
            "stopping": True,
        }
        events = await follow(web, job_id)
        statuses = [e["status"] for e in events]
        assert statuses[0] == "queued" and "writing" in statuses and statuses[-1] == "failed"
        writing = [e["text"] for e in events if e["status"] == "writing"]
        assert all(
            len(a["body"]) <= len(b["body"]) for a, b in zip(writing, writing[1:], strict=False)
        )
        end = events[-1]
        assert end["stopped"] is True and end["refunded"] is True
        assert end["tokens_remaining"] == 500 and "Stopped" in end["message"]
        assert "image_ready" not in statuses  # nothing shown after the stop
        assert (await web.app.services.accounts.get(PARTNER_ID)).balance == 500

        again = await web.client.post(f"/api/jobs/{job_id}/stop", headers=auth(PARTNER_ID))
        assert again.status_code == 409 and again.json()["error"]["code"] == "ended"
        theirs = await web.client.post(f"/api/jobs/{job_id}/stop", headers=auth(FAN_ID))
        assert theirs.status_code == 404
        painter.go.set()
