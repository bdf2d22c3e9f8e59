"""The Mini App's job board, in process and on a real Redis (two clients: two processes):
a reader sees every event in order and waits for the next; once a job has ended nothing
changes its outcome; a job is only its owner's business (the board keeps who that is)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from services.studio.board import JobBoard, MemoryJobBoard, RedisJobBoard


@pytest.fixture
async def redis_boards(redis_url: str) -> AsyncIterator[tuple[JobBoard, JobBoard]]:
    """A writer's and a reader's view of one board, as two processes have them."""
    writer, reader = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        yield RedisJobBoard(writer), RedisJobBoard(reader)
    finally:
        await writer.aclose()
        await reader.aclose()


async def a_reader_gets_every_event_in_order_and_waits_for_the_next(
    writer: JobBoard, reader: JobBoard
) -> None:
    await writer.create("j1", 7, 41, 1000.0)
    first = await reader.after("j1", "", 0.1)
    assert first.events == [{"status": "queued"}]

    waiting = asyncio.create_task(reader.after("j1", first.cursor, 5.0))
    await asyncio.sleep(0.1)
    assert not waiting.done()  # nothing new yet: the reader waits
    assert await writer.emit("j1", {"status": "text_ready", "text": {"title": "Ünï"}})
    second = await asyncio.wait_for(waiting, 5.0)
    assert second.events == [{"status": "text_ready", "text": {"title": "Ünï"}}]

    assert await writer.emit("j1", {"status": "done", "result": {"post_id": 41}})
    rest = await reader.after("j1", second.cursor, 0.1)
    assert [e["status"] for e in rest.events] == ["done"]

    job = await reader.get("j1")
    assert job is not None
    assert (job.user_id, job.reservation_id, job.held_at) == (7, 41, 1000.0)
    assert job.status == "done" and job.finished
    assert job.latest("text_ready") == {"status": "text_ready", "text": {"title": "Ünï"}}


async def an_ended_job_keeps_its_outcome(writer: JobBoard, reader: JobBoard) -> None:
    await writer.create("j2", 7, 42, 1000.0)
    assert await writer.emit("j2", {"status": "failed", "refunded": True})
    assert not await writer.emit("j2", {"status": "done"})  # a late writer changes nothing
    assert not await writer.emit("nobody", {"status": "done"})  # an unknown job is not made
    job = await reader.get("j2")
    assert job is not None and [e["status"] for e in job.events] == ["queued", "failed"]
    assert await reader.get("nobody") is None


async def the_picture_is_readable_by_another_process(writer: JobBoard, reader: JobBoard) -> None:
    await writer.create("j3", 7, 43, 1000.0)
    assert await reader.image("j3") is None
    await writer.put_image("j3", b"\x89PNG-bytes")
    assert await reader.image("j3") == b"\x89PNG-bytes"


CHECKS = [
    a_reader_gets_every_event_in_order_and_waits_for_the_next,
    an_ended_job_keeps_its_outcome,
    the_picture_is_readable_by_another_process,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
async def test_in_process(check):
    board = MemoryJobBoard()
    await check(board, board)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
async def test_on_redis(check, redis_boards):
    await check(*redis_boards)
