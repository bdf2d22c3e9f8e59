"""A delivered post's actions at scale, through Redis: one web process takes the press and
queues the job, a worker makes it, another web process streams its events and serves the
4K download; an action no worker finished is told interrupted once the sweep refunded it."""

from __future__ import annotations

import contextlib
import io
import time

from PIL import Image

from bot.config import Settings
from tests.fakes.telegram import FakeTelegram
from tests.test_web import Web
from tests.webapp.conftest import PARTNER_ID, auth, open_api
from tests.webapp.test_post_actions import a_post, act, balance, ended
from tests.webapp.test_pro import follow
from tests.webapp.test_pro_queue import running_worker, shared

__all__ = ["shared"]  # the fixture


async def test_one_web_queues_an_action_a_worker_makes_it_another_web_streams(
    shared: Settings, telegram: FakeTelegram
):
    async with (
        contextlib.aclosing(open_api(shared, telegram)) as first_web,
        contextlib.aclosing(open_api(shared, telegram)) as second_web,
    ):
        pressed: Web = await anext(first_web)
        streams: Web = await anext(second_web)
        async with running_worker(shared, telegram):
            post = await a_post(pressed)
            before = await balance(pressed)
            pictures = await act(pressed, post["post_id"], "pictures", key="k")
            four_k = await act(pressed, post["post_id"], "4k", key="k")
            again = await act(streams, post["post_id"], "pictures", key="k")
            assert again["job_id"] == pictures["job_id"] and again["repeated"] is True
            made = await ended(streams, pictures["job_id"])
            picture = await ended(streams, four_k["job_id"])
        assert made["status"] == "done" and len(made["result"]["pictures"]) == 3
        assert picture["status"] == "done"
        download = await streams.client.get(picture["result"]["download_url"])
        assert download.status_code == 200
        with Image.open(io.BytesIO(download.content)) as png:
            assert png.size == (3840, 2160)
        assert await balance(pressed) == before - 3
        assert telegram.sent("sendPhoto") == [] and telegram.sent("sendDocument") == []


async def test_an_action_no_worker_finished_is_told_interrupted_and_refunded(
    shared: Settings, telegram: FakeTelegram
):
    async with contextlib.aclosing(open_api(shared, telegram)) as opened:
        web: Web = await anext(opened)
        async with running_worker(shared, telegram):
            post = await a_post(web)
        before = await balance(web)
        job = await act(web, post["post_id"], "pictures")  # and every worker is down
        assert await balance(web) == before - 3
        later = time.time() + shared.generation_timeout + shared.sweep_margin + 1
        report = await web.app.services.sweep.run(now=later)
        assert report.tokens == 1  # one hold (of 3 tokens)
        web.app.app_posts.stale_after = 0  # as the reader sees it once that time has passed
        events = await follow(web, job["job_id"])
        assert [e["status"] for e in events] == ["queued", "failed"]
        assert "interrupted" in events[-1]["message"]
        assert events[-1]["tokens_remaining"] == before
        state = await web.client.get(f"/api/jobs/{job['job_id']}", headers=auth(PARTNER_ID))
        assert state.json()["action"] == "variants" and state.json()["status"] == "failed"
        assert await balance(web) == before
