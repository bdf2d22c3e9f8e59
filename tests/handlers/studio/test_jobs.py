"""A post's job delivered twice (as the Redis queue does after a worker died): the hold
decides. Still held → the job makes the post, once, on whichever process runs it; settled
→ nothing is made, sent or charged."""

from __future__ import annotations

import time

from prometheus_client import REGISTRY

from services.core.jobs import Where
from services.studio.jobs import PostJob
from tests.conftest import PARTNER_ID, Driver
from tests.handlers.common.test_interrupted import (
    crashed_and_restarted,  # noqa: F401 - the fixture
    die_while_painting,
    message,
)
from tests.handlers.studio.test_wizard import walk_to_confirm

DRAFT = {"post_type": "fomo", "audience": "crypto", "language": "en", "referral_link": None}


def finished(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "bot_jobs_finished_total", {"kind": "post", "outcome": outcome}
    )
    return value or 0.0


async def the_job(driver: Driver, message_id: int, *, held: bool = True) -> PostJob:
    holds = await driver.app.services.db.fetch_all(
        "SELECT id FROM reservations WHERE status = 'held'"
    )
    reservation_id = holds[0][0] if held else 1
    where = Where(PARTNER_ID, PARTNER_ID, "private", message_id, "en")
    return PostJob(where, reservation_id, time.time(), DRAFT, wizard=False)


async def test_a_job_delivered_again_for_a_held_post_makes_it_once(
    crashed_and_restarted,  # noqa: F811 - the fixture imported above
    telegram,
):
    dead, alive, hanging = crashed_and_restarted
    await dead.make_pro()
    await walk_to_confirm(dead)
    confirm = telegram.last_with_buttons(PARTNER_ID)
    await die_while_painting(dead, hanging, "Generate")  # its worker died mid-painting
    job = await the_job(alive, confirm.message_id)
    done = finished("done")

    await alive.app.queue.enqueue(job)  # redelivered, to a worker that is alive
    await alive.app.queue.wait()
    assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert "2 tokens spent, 498 left" in message(telegram, confirm.message_id).visible
    assert await alive.balance() == 498
    assert finished("done") == done + 1

    skipped, calls = finished("skipped"), len(telegram.calls)
    await alive.app.queue.enqueue(job)  # and delivered once more: the hold is committed
    await alive.app.queue.wait()
    assert len(telegram.calls) == calls  # nothing sent, nothing edited
    assert await alive.balance() == 498
    assert finished("skipped") == skipped + 1


async def test_a_job_whose_hold_was_swept_does_nothing(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    await driver.press(PARTNER_ID, "Generate")
    confirm = driver.telegram.last_with_buttons(PARTNER_ID)
    calls = len(driver.telegram.calls)
    job = await the_job(driver, confirm.message_id, held=False)  # settled: the post is made
    await driver.app.queue.enqueue(job)
    await driver.app.queue.wait()
    assert len(driver.telegram.calls) == calls
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert await driver.balance() == 498


class UnreachableQueue:
    """A queue that cannot take jobs (Redis went away between the press and the job)."""

    async def enqueue(self, job: object) -> None:
        raise ConnectionError("the queue is unreachable")


async def test_a_post_that_cannot_be_queued_is_refunded_at_once_and_offered_again(
    driver: Driver,
):
    await driver.make_pro()
    await walk_to_confirm(driver)
    confirm = driver.telegram.last_with_buttons(PARTNER_ID)
    driver.app.dispatcher["jobs"] = UnreachableQueue()
    await driver.press(PARTNER_ID, "Generate")
    assert await driver.balance() == 500
    texts = driver.texts(PARTNER_ID)
    assert any("Your 2 tokens were returned. Balance: 500" in t for t in texts)
    assert driver.telegram.last_with_buttons(PARTNER_ID).message_id != confirm.message_id

    driver.app.dispatcher["jobs"] = driver.app.queue  # back: the fresh Generate works
    await driver.press(PARTNER_ID, "Generate")
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert await driver.balance() == 498


async def test_an_image_that_cannot_be_queued_gives_the_use_back(driver: Driver):
    await driver.send(1, f"/tier {PARTNER_ID} cosmic 30")
    await driver.send(PARTNER_ID, "/match")
    await driver.press(PARTNER_ID, "Leo")
    driver.app.dispatcher["jobs"] = UnreachableQueue()
    await driver.press(PARTNER_ID, "Aquarius")
    account = await driver.app.services.accounts.get(PARTNER_ID)
    assert account is not None
    assert (await driver.app.services.cosmic.usage_of(account)).used == 0
    assert driver.telegram.sent("sendPhoto", PARTNER_ID) == []
