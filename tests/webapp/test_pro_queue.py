"""The Mini App's posts at scale: one web process takes the press and queues the post, a
worker makes it, and another web process (the browser's next request may reach any)
streams its events and serves its picture, all through Redis; a job no run finished is
told as interrupted, with its tokens back, once the sweeper has refunded it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app
from bot.config import Settings
from bot.worker import consume
from services.studio.catalog import Audience, PostType
from services.studio.jobs import AppPostJob
from services.studio.service import Draft, draft_fields
from tests.fakes.session import FakeTelegramSession
from tests.fakes.telegram import FakeTelegram
from tests.test_web import Web
from tests.webapp.conftest import PARTNER_ID, auth, make_pro, open_api
from tests.webapp.test_pro import SEED_000, follow, generate


@contextlib.asynccontextmanager
async def running_worker(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[App]:
    """A `python -m bot worker`'s app and its consumer, in this test's loop."""
    app = await build_app(settings, session=FakeTelegramSession(telegram))
    stop = asyncio.Event()
    consuming = asyncio.create_task(consume(app, stop))
    try:
        yield app
    finally:
        stop.set()
        await consuming
        await app.close()


@pytest.fixture
def shared(settings: Settings, redis_url: str) -> Settings:
    return settings.model_copy(update={"redis_url": redis_url})


async def test_one_web_queues_a_worker_makes_another_web_streams(
    shared: Settings, telegram: FakeTelegram
):
    async with (
        contextlib.aclosing(open_api(shared, telegram)) as first_web,
        contextlib.aclosing(open_api(shared, telegram)) as second_web,
    ):
        pressed: Web = await anext(first_web)
        streams: Web = await anext(second_web)
        await make_pro(pressed)
        job_id = await generate(pressed)
        # Nothing makes the post in the web processes: it waits on the queue for a worker.
        await asyncio.sleep(0.3)
        state = (await streams.client.get(f"/api/jobs/{job_id}", headers=auth(PARTNER_ID))).json()
        assert state["status"] == "queued"

        async with running_worker(shared, telegram):
            events = await follow(streams, job_id)
        assert [e["status"] for e in events] == ["queued", "text_ready", "image_ready", "done"]
        picture = await streams.client.get(events[2]["image_url"])
        assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
        result = events[-1]["result"]
        assert result["tokens_remaining"] == 498
        assert result["title"] == events[1]["text"]["title"]
        stored = await pressed.client.get(result["image_url"])
        assert stored.status_code == 200 and stored.content.startswith(b"\x89PNG")
        account = await pressed.app.services.accounts.get(PARTNER_ID)
        assert account is not None and account.balance == 498
        assert telegram.sent("sendPhoto") == []  # the app shows it; the chat only on request


async def test_a_post_no_worker_finished_is_told_interrupted_and_refunded(
    shared: Settings, telegram: FakeTelegram
):
    async with contextlib.aclosing(open_api(shared, telegram)) as opened:
        web: Web = await anext(opened)
        await make_pro(web)
        job_id = await generate(web)  # and every worker is down
        services = web.app.services
        later = time.time() + shared.generation_timeout + shared.sweep_margin + 1
        report = await services.sweep.run(now=later)  # the leader's sweeper, past the deadline
        assert report.tokens == 1
        web.app.app_posts.stale_after = 0  # as the reader sees it once that time has passed

        events = await follow(web, job_id)
        assert [e["status"] for e in events] == ["queued", "failed"]
        assert events[-1]["refunded"] is True
        assert events[-1]["tokens_remaining"] == 500
        assert "interrupted" in events[-1]["message"]
        state = (await web.client.get(f"/api/jobs/{job_id}", headers=auth(PARTNER_ID))).json()
        assert state["status"] == "failed" and state["refunded"] is True
        account = await services.accounts.get(PARTNER_ID)
        assert account is not None and account.balance == 500

        async with running_worker(shared, telegram) as worker:  # the job, run at last
            await worker.queue.wait()
        again = await follow(web, job_id)
        assert [e["status"] for e in again] == ["queued", "failed"]  # nothing changed
        account = await services.accounts.get(PARTNER_ID)
        assert account is not None and account.balance == 500


async def test_a_run_again_after_one_that_died_untold_tells_how_it_ended(
    shared: Settings, telegram: FakeTelegram
):
    """A worker committed the post and died before telling the board: the job delivered
    again makes nothing and tells "done" at once, not when the sweep's time has come."""
    async with contextlib.aclosing(open_api(shared, telegram)) as opened:
        web: Web = await anext(opened)
        await make_pro(web)
        async with running_worker(shared, telegram):
            made = await follow(web, await generate(web))
        post_id = made[-1]["result"]["post_id"]
        board = web.app.services.shared.board
        await board.create("untold", PARTNER_ID, post_id, time.time())  # as the dead run left it
        draft = draft_fields(Draft(PostType.FOMO, Audience.CRYPTO, "en", None))
        job = AppPostJob("untold", PARTNER_ID, "en", post_id, time.time(), draft)
        assert await web.app.app_posts.make(job) is None  # nothing made again
        events = await follow(web, "untold")
        assert [e["status"] for e in events] == ["queued", "done"]
        assert events[-1]["result"]["post_id"] == post_id
        assert events[-1]["result"]["tokens_remaining"] == 498


async def test_a_deleted_image_stops_answering_at_its_job_url(
    shared: Settings, telegram: FakeTelegram
):
    """The board keeps the picture for a while after the post is stored: once its owner
    deletes the image, the job's URL answers 404 as the gallery's does."""
    async with contextlib.aclosing(open_api(shared, telegram)) as opened:
        web: Web = await anext(opened)
        await make_pro(web)
        async with running_worker(shared, telegram):
            events = await follow(web, await generate(web))
        job_url, stored_url = events[2]["image_url"], events[-1]["result"]["image_url"]
        assert (await web.client.get(job_url)).status_code == 200
        [post] = (await web.client.get("/api/pro/posts", headers=auth(PARTNER_ID))).json()
        deleted = await web.client.delete(
            f"/api/images/{post['image_id']}", headers=auth(PARTNER_ID)
        )
        assert deleted.status_code == 204
        for url in (job_url, stored_url):
            gone = await web.client.get(url)
            assert gone.status_code == 404
            assert gone.json()["error"]["message"]
            assert not gone.content.startswith(b"\x89PNG")


async def test_seed_000s_request_waits_for_the_worker_through_redis(
    shared: Settings, telegram: FakeTelegram
):
    async with contextlib.aclosing(open_api(shared, telegram)) as opened:
        web: Web = await anext(opened)
        await make_pro(web)
        # Bounded: once in a full run this request (or the worker's close) never ended.
        async with asyncio.timeout(120), running_worker(shared, telegram):
            response = await web.client.post(
                "/api/pro/generate", json=SEED_000, headers=auth(PARTNER_ID)
            )
        assert response.status_code == 200, response.text
        post = response.json()
        assert post["tokens_remaining"] == 498
        assert post["hashtags"] and all(tag.startswith("#") for tag in post["hashtags"])
        picture = await web.client.get(post["image_url"])
        assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


async def test_a_post_not_made_within_the_timeout_is_504_and_not_lost(
    shared: Settings, telegram: FakeTelegram
):
    """No worker takes the job in time: 504 with the job, which a worker makes later
    (the worker keeps its own GENERATION_TIMEOUT); it is paid for once."""
    async with contextlib.aclosing(open_api(shared, telegram)) as opened:
        web: Web = await anext(opened)
        await make_pro(web)
        web.app.services.studio.timeout = 0.3  # this web process's wait
        web.app.app_posts.grace = 0
        response = await web.client.post(
            "/api/pro/generate", json=SEED_000, headers=auth(PARTNER_ID)
        )
        assert response.status_code == 504, response.text
        error = response.json()["error"]
        assert error["code"] == "pending"
        job_id = error["job_id"]
        assert response.headers["location"] == f"/api/jobs/{job_id}"
        assert f"/api/jobs/{job_id}" in error["message"]

        async with running_worker(shared, telegram):
            events = await follow(web, job_id)
        assert [e["status"] for e in events] == ["queued", "text_ready", "image_ready", "done"]
        assert events[-1]["result"]["tokens_remaining"] == 498
        account = await web.app.services.accounts.get(PARTNER_ID)
        assert account is not None and account.balance == 498
