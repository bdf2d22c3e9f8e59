"""kill -9 while the image model is still painting, and an immediate restart (as systemd,
Heroku or Railway do): the restarted `python -m bot run` refunds the hold once it is past
its deadline, and the person's progress message says so, with a Generate button that
works. Real processes, a local Bot API stand-in and a hanging image provider."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.providers_http import GOOGLE_KEY, HANG, ProviderAPI
from tests.test_e2e import User, start_bot, stop, walk_studio

IMAGE_MODEL = "gemini-2.5-flash-image"


TIMEOUT = 12
"""GENERATION_TIMEOUT: the restart (imports, migrations, warm-up: 3–5 s, up to ~10 s on a
loaded machine) must be up before the hold goes stale."""


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI()
    await api.start()
    yield api
    await api.stop()


async def test_kill_9_mid_painting_and_a_quick_restart_refund_and_tell_the_partner(
    server, telegram, providers, tmp_path
):
    settings = {
        "GOOGLE_API_KEY": GOOGLE_KEY,
        "GOOGLE_GEMINI_BASE_URL": providers.base_url,
        "IMAGE_MODELS": f"google:{IMAGE_MODEL}",
        "TEXT_MODELS": "local",
        "GENERATION_TIMEOUT": str(TIMEOUT),
        "SWEEP_MARGIN": "1",
        "SWEEP_INTERVAL": "0.5",
        "SCHEDULER_ENABLED": "false",
    }
    providers.fail(IMAGE_MODEL, HANG)  # the first image never comes
    admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)

    first = await start_bot(server, tmp_path, **settings)
    try:
        await telegram.wait_for(lambda: len(telegram.sent("setMyCommands")) == 3, 30)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on for 1001. Balance: 500")
        await walk_studio(partner)
        pressed_at = time.monotonic()  # the hold is made after this
        progress = telegram.last_with_buttons(PARTNER_ID).message_id  # the confirm screen
        await telegram.wait_for(lambda: bool(providers.calls_to(IMAGE_MODEL)), 20)
    finally:
        first.kill()  # SIGKILL: nothing settles, nothing is said
        await first.communicate()

    # At once, as a supervisor would. The dead process's long poll is still open at the
    # stand-in; the partner's next message ends it, as a new poll would at Telegram.
    second = await start_bot(server, tmp_path, **settings)
    try:
        partner.say("/help")
        await telegram.wait_for(lambda: len(telegram.sent("setMyCommands")) == 6, 30)
        # Up, and swept at start-up, before the hold was stale (TIMEOUT + 1 s): only the
        # sweep that keeps running can catch it.
        assert time.monotonic() - pressed_at < TIMEOUT + 1, "the restart took too long"
        assert "interrupted" not in telegram.messages[(PARTNER_ID, progress)].visible

        def told() -> bool:
            return "interrupted" in telegram.messages[(PARTNER_ID, progress)].visible

        await telegram.wait_for(told, 20)
        message = telegram.messages[(PARTNER_ID, progress)]
        assert "Your 2 tokens are back. Balance: 500." in message.visible
        assert [b["text"] for b in message.buttons] == ["🚀 Generate (2 tokens)"]
        partner.say("/balance")
        await partner.sees("Your balance: 500 tokens")

        telegram.press(PARTNER_ID, message, "Generate")
        await telegram.wait_for(lambda: bool(telegram.sent("sendPhoto", PARTNER_ID)), 20)
        await partner.sees("2 tokens spent, 498 left")
        assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
        assert len(providers.calls_to(IMAGE_MODEL)) == 2
        assert telegram.errors == []
    finally:
        stderr = await stop(second)
    assert b"Traceback" not in stderr, stderr.decode()
