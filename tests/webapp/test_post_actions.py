"""A delivered post's actions from the Mini App, over HTTP: 📝 new text, 🖼 more pictures
(and using one), ✏️ edit picture, 🖥 4K. Each is a job followed like a post's, at the
chat's price; refunded once when the generators fail; the same Idempotency-Key again is
the same job, charged once; another person's post is 404."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from bot.config import Settings
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from services.generation.local.painter import LocalImageRenderer
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PartialCallback, PostRequest, TextResult
from tests.fakes.telegram import FakeTelegram
from tests.test_web import Web
from tests.webapp.conftest import FAN_ID, PARTNER_ID, auth, make_pro, open_api
from tests.webapp.test_pro import follow, generate


class SwitchablePainter:
    """The local painter, until a test breaks it (the provider going down)."""

    def __init__(self) -> None:
        self.broken = False
        self.local = LocalImageRenderer()

    async def paint(self, request: ImageRequest) -> ImageResult:
        if self.broken:
            raise GenerationError(FailureKind.UNAVAILABLE, "provider down")
        return await self.local.paint(request)


class SwitchableWriter:
    """The local writer, until a test breaks it."""

    def __init__(self) -> None:
        self.broken = False
        self.local = LocalTextWriter()

    @property
    def languages(self) -> frozenset[str]:
        return self.local.languages

    async def write_post(
        self, request: PostRequest, on_partial: PartialCallback | None = None
    ) -> TextResult:
        if self.broken:
            raise GenerationError(FailureKind.UNAVAILABLE, "provider down")
        return await self.local.write_post(request, on_partial)


class Switchable:
    def __init__(self, web: Web, painter: SwitchablePainter, writer: SwitchableWriter) -> None:
        self.web, self.painter, self.writer = web, painter, writer


@pytest.fixture
async def switchable(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Switchable]:
    painter, writer = SwitchablePainter(), SwitchableWriter()
    telegram.add_user(FAN_ID, "Fan")
    opened = open_api(settings, telegram, image_generator=painter, text_generator=writer)
    async with contextlib.aclosing(opened) as api:
        yield Switchable(await anext(api), painter, writer)
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


@pytest.fixture
async def web(switchable: Switchable) -> Web:
    return switchable.web


async def a_post(web: Web) -> dict:
    """A delivered post of the partner's (its result)."""
    await make_pro(web)
    events = await follow(web, await generate(web))
    assert events[-1]["status"] == "done"
    return events[-1]["result"]


async def balance(web: Web, user_id: int = PARTNER_ID) -> int:
    account = await web.app.services.accounts.get(user_id)
    assert account is not None
    return account.balance


async def act(
    web: Web,
    post_id: int,
    action: str,
    *,
    key: str | None = None,
    body: dict | None = None,
    user_id: int = PARTNER_ID,
    status: int = 202,
) -> dict:
    headers = auth(user_id)
    if key is not None:
        headers["Idempotency-Key"] = key
    path = f"/api/pro/posts/{post_id}/{action}"
    response = await web.client.post(path, headers=headers, json=body)
    assert response.status_code == status, response.text
    answer = response.json()
    if status == 202:
        assert response.headers["location"] == f"/api/jobs/{answer['job_id']}"
    return answer


async def ended(web: Web, job_id: str) -> dict:
    """The job's last event, once it ended."""
    events = await follow(web, job_id)
    assert events[0]["status"] == "queued"
    assert events[-1]["status"] in ("done", "failed"), events
    return events[-1]


async def png(web: Web, url: str) -> bytes:
    response = await web.client.get(url)
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\x89PNG")
    return response.content


async def test_a_new_text_keeps_the_picture_for_one_token(web: Web):
    post = await a_post(web)
    before = await balance(web)
    job = await act(web, post["post_id"], "text")
    assert (job["action"], job["cost"], job["status"]) == ("rewrite", 1, "queued")
    assert job["tokens_remaining"] == before - 1
    end = await ended(web, job["job_id"])
    assert end["status"] == "done"
    new = end["result"]
    assert new["post_id"] != post["post_id"] and new["body"]
    assert await png(web, new["image_url"]) == await png(web, post["image_url"])
    assert await balance(web) == before - 1
    assert new["tokens_remaining"] == before - 1
    state = (await web.client.get(f"/api/jobs/{job['job_id']}", headers=auth(PARTNER_ID))).json()
    assert state["action"] == "rewrite" and state["result"]["post_id"] == new["post_id"]


async def test_a_failed_new_text_is_refunded_once(switchable: Switchable):
    web = switchable.web
    post = await a_post(web)
    before = await balance(web)
    switchable.writer.broken = True
    end = await ended(web, (await act(web, post["post_id"], "text"))["job_id"])
    assert end["status"] == "failed" and end["refunded"] is True
    assert "Your 1 token was returned" in end["message"]
    assert end["tokens_remaining"] == before
    await web.app.queue.wait()
    await web.app.services.sweep.run(now=time.time() + 10_000)
    assert await balance(web) == before


async def test_more_pictures_cost_one_token_each_and_one_becomes_the_posts_picture(web: Web):
    post = await a_post(web)
    before = await balance(web)
    job = await act(web, post["post_id"], "pictures")
    assert job["cost"] == 3
    end = await ended(web, job["job_id"])
    assert end["status"] == "done"
    result = end["result"]
    assert result["action"] == "variants" and result["spent"] == 3 and result["given_back"] == 0
    assert len(result["pictures"]) == 3
    assert result["tokens_remaining"] == before - 3 == await balance(web)
    pictures = [await png(web, p["image_url"]) for p in result["pictures"]]
    assert len(set(pictures)) == 3  # new seeds: three different pictures

    chosen = result["pictures"][1]
    path = f"/api/pro/posts/{post['post_id']}/pictures/{chosen['image_id']}/use"
    used = await web.client.post(path, headers=auth(PARTNER_ID))
    assert used.status_code == 200, used.text
    assert used.json()["image_id"] == chosen["image_id"]
    history = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
    [shown] = [p for p in history if p["post_id"] == post["post_id"]]
    assert shown["image_id"] == chosen["image_id"]
    assert await png(web, shown["image_url"]) == pictures[1]
    image = await web.app.services.studio.post_image(PARTNER_ID, post["post_id"])
    assert image is not None and image.id == chosen["image_id"]  # what its cards are made from
    assert await balance(web) == before - 3  # picking is free


async def test_pictures_that_could_not_be_painted_are_refunded_once(switchable: Switchable):
    web = switchable.web
    post = await a_post(web)
    before = await balance(web)
    switchable.painter.broken = True
    end = await ended(web, (await act(web, post["post_id"], "pictures"))["job_id"])
    assert end["status"] == "failed" and end["refunded"] is True
    assert "Your 3 tokens were returned" in end["message"]
    assert end["tokens_remaining"] == before
    await web.app.queue.wait()
    await web.app.services.sweep.run(now=time.time() + 10_000)
    assert await balance(web) == before


async def test_an_edit_does_what_it_can_and_says_what_it_could_not(web: Web):
    post = await a_post(web)
    before = await balance(web)
    words = {"request": "<b>more purple</b> and add a cat"}
    job = await act(web, post["post_id"], "edit", body=words)
    assert job["cost"] == 1
    end = await ended(web, job["job_id"])
    assert end["status"] == "done", end
    result = end["result"]
    assert result["action"] == "edit" and result["spent"] == 1
    assert result["not_done"] == ["add a cat"]
    assert "add a cat" in result["message"]
    edited = await png(web, result["image_url"])
    assert edited != await png(web, post["image_url"])
    assert await balance(web) == before - 1 == result["tokens_remaining"]


async def test_an_edit_nothing_could_be_done_of_is_refunded_once(web: Web):
    post = await a_post(web)
    before = await balance(web)
    job = await act(web, post["post_id"], "edit", body={"request": "add a cat"})
    end = await ended(web, job["job_id"])
    assert end["status"] == "failed" and end["refunded"] is True
    assert "add a cat" in end["message"]
    await web.app.queue.wait()
    await web.app.services.sweep.run(now=time.time() + 10_000)
    assert await balance(web) == before


@pytest.mark.parametrize(
    "body",
    [
        {"request": ""},
        {"request": "\u200f\u200b \n\t"},
        {"request": "more purple " * 100},
        {"request": 42},
        {"words": "more purple"},
        None,
    ],
)
async def test_a_bad_edit_request_is_422_and_costs_nothing(web: Web, body: dict | None):
    post = await a_post(web)
    before = await balance(web)
    answer = await act(web, post["post_id"], "edit", body=body, status=422)
    assert answer["success"] is False and answer["error"]["message"]
    assert await balance(web) == before


async def test_a_long_edit_request_is_cut_to_what_the_chat_takes(web: Web):
    post = await a_post(web)
    words = "more purple " + "please " * 60  # 432 characters: under the 1000 sent
    end = await ended(
        web, (await act(web, post["post_id"], "edit", body={"request": words}))["job_id"]
    )
    assert end["status"] == "done"
    assert all(len(part) <= 200 for part in end["result"]["not_done"])


async def test_a_4k_picture_is_a_3840_by_2160_png_to_download(web: Web):
    post = await a_post(web)
    before = await balance(web)
    job = await act(web, post["post_id"], "4k")
    assert job["cost"] == 0
    end = await ended(web, job["job_id"])
    assert end["status"] == "done", end
    result = end["result"]
    assert result["action"] == "four_k" and result["tokens_remaining"] is None
    response = await web.client.get(result["download_url"])
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    with Image.open(io.BytesIO(response.content)) as picture:
        assert (picture.format, picture.size) == ("PNG", (3840, 2160))
    assert await balance(web) == before  # free at the default price
    theirs = result["download_url"].replace(f"u={PARTNER_ID}", f"u={FAN_ID}")
    assert (await web.client.get(theirs)).status_code == 404


async def test_a_priced_4k_picture_costs_its_price(web: Web):
    post = await a_post(web)
    web.app.services.four_k.cost = 2
    before = await balance(web)
    job = await act(web, post["post_id"], "4k")
    assert job["cost"] == 2
    end = await ended(web, job["job_id"])
    assert end["result"]["spent"] == 2 and end["result"]["tokens_remaining"] == before - 2
    assert await balance(web) == before - 2


@pytest.mark.parametrize(("action", "cost"), [("pictures", 3), ("text", 1), ("4k", 2)])
async def test_the_same_idempotency_key_is_the_same_job_charged_once(
    web: Web, action: str, cost: int
):
    post = await a_post(web)
    web.app.services.four_k.cost = 2
    before = await balance(web)
    first = await act(web, post["post_id"], action, key="tap-1")
    again = await act(web, post["post_id"], action, key="tap-1")
    assert again["job_id"] == first["job_id"]
    assert (first["repeated"], again["repeated"]) == (False, True)
    assert (await ended(web, first["job_id"]))["status"] == "done"
    later = await act(web, post["post_id"], action, key="tap-1")  # after it ended too
    assert later["job_id"] == first["job_id"] and later["repeated"] is True
    await web.app.queue.wait()
    assert await balance(web) == before - cost
    other = await act(web, post["post_id"], action, key="tap-2")
    assert other["job_id"] != first["job_id"]
    await ended(web, other["job_id"])
    assert await balance(web) == before - 2 * cost


async def test_an_edit_retried_with_its_key_is_charged_once(web: Web):
    post = await a_post(web)
    before = await balance(web)
    body = {"request": "more purple"}
    first = await act(web, post["post_id"], "edit", key="e-1", body=body)
    again = await act(web, post["post_id"], "edit", key="e-1", body=body)
    assert again["job_id"] == first["job_id"]
    await ended(web, first["job_id"])
    await web.app.queue.wait()
    assert await balance(web) == before - 1


async def test_someone_elses_post_is_404_and_costs_nothing(web: Web):
    post = await a_post(web)
    await make_pro(web, FAN_ID)
    before = await balance(web, FAN_ID)
    post_id = post["post_id"]
    for action, body in (
        ("text", None),
        ("pictures", None),
        ("edit", {"request": "more purple"}),
        ("4k", None),
    ):
        answer = await act(web, post_id, action, body=body, user_id=FAN_ID, status=404)
        assert answer["error"]["code"] == "not_found"
    image_id = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()[0][
        "image_id"
    ]
    path = f"/api/pro/posts/{post_id}/pictures/{image_id}/use"
    assert (await web.client.post(path, headers=auth(FAN_ID))).status_code == 404
    assert await balance(web, FAN_ID) == before
    missing = await act(web, 999_999, "pictures", status=404)
    assert missing["error"]["message"]


async def test_using_a_picture_of_someone_else_is_404(web: Web):
    post = await a_post(web)
    path = f"/api/pro/posts/{post['post_id']}/pictures/999999/use"
    assert (await web.client.post(path, headers=auth(PARTNER_ID))).status_code == 404


async def test_short_of_tokens_is_402_and_busy_is_409(web: Web):
    post = await a_post(web)
    before = await balance(web)
    web.app.services.variants.price_each = 1000
    short = await act(web, post["post_id"], "pictures", status=402)
    assert short["error"]["code"] == "insufficient" and "3000" in short["error"]["message"]
    web.app.services.variants.price_each = 1
    assert await balance(web) == before


async def test_an_action_is_not_stopped_but_a_new_text_may_be(
    settings: Settings, telegram: FakeTelegram
):
    slow = settings.model_copy(update={"local_writer_pace": 0.3})  # the text takes seconds
    async with contextlib.aclosing(open_api(slow, telegram)) as api:
        web: Web = await anext(api)
        post = await a_post(web)
        job = await act(web, post["post_id"], "pictures")
        stop = await web.client.post(f"/api/jobs/{job['job_id']}/stop", headers=auth(PARTNER_ID))
        assert stop.status_code == 409 and stop.json()["error"]["code"] == "not_stoppable"
        await ended(web, job["job_id"])
        before = await balance(web)

        job = await act(web, post["post_id"], "text")
        assert await balance(web) == before - 1
        stop = await web.client.post(f"/api/jobs/{job['job_id']}/stop", headers=auth(PARTNER_ID))
        assert stop.status_code == 202, stop.text
        end = await ended(web, job["job_id"])
        assert end["stopped"] is True and end["refunded"] is True
        assert "Stopped. Your 1 token is back" in end["message"]
        await web.app.queue.wait()
        await web.app.services.sweep.run(now=time.time() + 10_000)
        assert await balance(web) == before


async def test_the_routes_are_in_the_openapi_schema_with_their_key(web: Web):
    schema = (await web.client.get("/api/openapi.json")).json()
    paths = schema["paths"]
    for action in ("text", "pictures", "edit", "4k"):
        operation = paths[f"/api/pro/posts/{{post_id}}/{action}"]["post"]
        assert {"202", "402", "404"} <= set(operation["responses"])
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    assert "/api/pro/posts/{post_id}/pictures/{image_id}/use" in paths
    me = (await web.client.get("/api/me", headers=auth(PARTNER_ID))).json()
    assert me["action_costs"] == {
        "text": 1,
        "pictures": 3,
        "picture_count": 3,
        "edit": 1,
        "four_k": 0,
    }


async def test_the_same_key_on_another_post_is_another_request(web: Web):
    first = await a_post(web)
    second = (await follow(web, await generate(web)))[-1]["result"]
    before = await balance(web)
    one = await act(web, first["post_id"], "pictures", key="same")
    assert (await ended(web, one["job_id"]))["status"] == "done"
    other = await act(web, second["post_id"], "pictures", key="same")
    assert other["job_id"] != one["job_id"] and other["repeated"] is False
    assert (await ended(web, other["job_id"]))["status"] == "done"
    assert await balance(web) == before - 6


async def test_a_post_id_that_is_no_number_is_not_found(web: Web):
    response = await web.client.post("/api/pro/posts/abc/pictures", headers=auth(PARTNER_ID))
    assert response.status_code == 404
