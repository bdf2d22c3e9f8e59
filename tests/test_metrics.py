"""The Prometheus metrics move by exactly what people did: the registry is process-wide,
so each test reads a counter before and after."""

from __future__ import annotations

import copy
from collections.abc import Callable

from prometheus_client import REGISTRY

from bot.metrics import exposition
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from tests.conftest import PARTNER_ID, Driver, make_driver
from tests.handlers.studio.test_wizard import walk_to_confirm


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def generations(kind: str, status: str) -> float:
    """Stored provider calls of a kind and status, whatever provider and model."""
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name != "bot_generations":
            continue
        for s in metric.samples:
            if s.name.endswith("_total") and s.labels["kind"] == kind:
                total += s.value if s.labels["status"] == status else 0.0
    return total


def moved(*readings: Callable[[], float]) -> Callable[[], list[float]]:
    before = [read() for read in readings]
    return lambda: [read() - was for read, was in zip(readings, before, strict=True)]


def tokens(operation: str) -> Callable[[], float]:
    return lambda: sample("bot_tokens_total", operation=operation)


async def test_one_post_counts_two_calls_and_two_tokens(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    delta = moved(
        lambda: generations("text", "ok"),
        lambda: generations("image", "ok"),
        lambda: generations("image", "failed"),
        tokens("reserved"),
        tokens("committed"),
        tokens("refunded"),
    )
    await driver.press(PARTNER_ID, "Generate")
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert delta() == [1, 1, 0, 2, 2, 0]
    text = exposition().decode()
    assert 'bot_generations_total{kind="text",model=' in text
    assert "bot_tokens_total" in text


async def test_a_failing_image_provider_counts_the_refund(settings, telegram):
    class DownPainter:
        provider, model = "down", "painter"

        async def paint(self, request: ImageRequest) -> ImageResult:
            raise GenerationError(FailureKind.UNAVAILABLE, "503 from provider", model="down")

    driver = await make_driver(settings, telegram, image_generator=DownPainter())
    try:
        await driver.make_pro()
        await walk_to_confirm(driver)
        delta = moved(
            lambda: generations("image", "ok"),
            lambda: generations("image", "failed"),
            tokens("reserved"),
            tokens("committed"),
            tokens("refunded"),
        )
        await driver.press(PARTNER_ID, "Generate")
        assert await driver.balance() == 500
        assert delta() == [0, 1, 2, 0, 2]  # one model in the chain, tried once
    finally:
        await driver.app.close()
    assert telegram.errors == []


async def test_a_double_tap_reserves_once(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    confirm = copy.deepcopy(driver.telegram.last_with_buttons(PARTNER_ID))
    delta = moved(tokens("reserved"), tokens("committed"))
    await driver.press(PARTNER_ID, "Generate", confirm)
    await driver.press(PARTNER_ID, "Generate", confirm)
    assert delta() == [2, 2]


async def test_a_daily_push_counts_one_send_per_subscriber(driver: Driver):
    subscribers = [7101, 7102, 7103, 7104]
    for user_id in subscribers:
        driver.telegram.add_user(user_id, f"User{user_id}", "en")
        await driver.app.services.accounts.get_or_create(user_id, "en")
        await driver.app.services.subscriptions.subscribe(user_id, "leo", 11)
    delta = moved(
        lambda: sample("bot_push_sends_total", campaign="push", outcome="sent"),
        lambda: sample("bot_push_sends_total", campaign="push", outcome="skipped"),
        lambda: sample("bot_cosmic_images_total", category="daily", outcome="painted"),
    )
    report = await driver.app.push.run()
    assert report.sent == len(subscribers)
    assert len(driver.telegram.sent("sendPhoto")) == len(subscribers)
    assert delta() == [len(subscribers), 0, 1]
    await driver.app.push.run()  # the same date again: nobody is sent twice
    assert delta() == [len(subscribers), 0, 1]


async def test_a_post_job_is_counted_once_as_done_and_no_longer_running(driver: Driver):
    await driver.make_pro()
    await walk_to_confirm(driver)
    delta = moved(
        lambda: sample("bot_jobs_finished_total", kind="post", outcome="done"),
        lambda: sample("bot_jobs_running", kind="post"),
        lambda: sample("bot_job_wait_seconds_count", kind="post"),
        lambda: sample("bot_job_seconds_count", kind="post"),
    )
    await driver.press(PARTNER_ID, "Generate")
    await driver.app.queue.wait()
    assert len(driver.telegram.sent("sendPhoto", PARTNER_ID)) == 1
    assert delta() == [1, 0, 1, 1]
