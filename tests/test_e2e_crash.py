"""Chaos on `python -m bot run` (SQLite, no Redis): kill -9 while the image model is still
painting, then a restart, as systemd, Heroku or Railway do. Real processes, a local Bot API
stand-in and an image provider that hangs on the first painting.

1. Restarted at once: the new incarnation finds the dead one's job written down (its
   process is gone: dead at once), takes it over and makes the post: one photo, 2 tokens.
2. Restarted after the hold's deadline: the job is not run again; the hold is refunded
   once and the person told where they pressed, with a Generate button that works."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, HANG, ProviderAPI
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import User, start_bot, started, stop, walk_studio

IMAGE_MODEL = "gemini-2.5-flash-image"
WITHIN = 20.0
"""Seconds after the restarted process is up by which the post (or the notice) has
arrived."""


@pytest.fixture
async def providers() -> AsyncIterator[ProviderAPI]:
    api = ProviderAPI()
    await api.start()
    yield api
    await api.stop()


def settings(providers: ProviderAPI, timeout: float) -> dict[str, str]:
    return {
        "GOOGLE_API_KEY": GOOGLE_KEY,
        "GOOGLE_GEMINI_BASE_URL": providers.base_url,
        "IMAGE_MODELS": f"google:{IMAGE_MODEL}",
        "TEXT_MODELS": "local",
        "GENERATION_TIMEOUT": str(timeout),
        "SCHEDULER_ENABLED": "false",
        # The sweep at its default pace (once a minute): the restart itself resumes.
    }


def ledger_kinds(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        rows = db.execute("SELECT kind FROM ledger WHERE user_id = ?", (PARTNER_ID,))
        return [row[0] for row in rows]


async def killed_mid_painting(
    server: BotAPIServer,
    telegram: FakeTelegram,
    providers: ProviderAPI,
    tmp_path: Path,
    env: dict[str, str],
) -> tuple[User, int, float]:
    """A partner presses Generate; the process is killed (SIGKILL) while the image model
    paints. The partner, the progress message's id, and when the hold was made."""
    providers.fail(IMAGE_MODEL, HANG)  # the first image never comes
    admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)
    first = await start_bot(server, tmp_path, **env)
    try:
        await started(telegram)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on for 1001. Balance: 500")
        await walk_studio(partner)
        pressed_at = time.monotonic()  # the hold is made after this
        progress = telegram.last_with_buttons(PARTNER_ID).message_id  # the confirm screen
        await telegram.wait_for(lambda: bool(providers.calls_to(IMAGE_MODEL)), 20)
    finally:
        first.kill()  # SIGKILL: nothing settles, nothing is said, its beats stop
        await first.communicate()
    return partner, progress, pressed_at


async def test_kill_9_mid_painting_and_an_immediate_restart_resume_the_post(
    server, telegram, providers, tmp_path
):
    env = settings(providers, timeout=60)
    partner, progress, _ = await killed_mid_painting(server, telegram, providers, tmp_path, env)
    assert not telegram.sent("sendPhoto", PARTNER_ID)

    second = await start_bot(server, tmp_path, **env)
    # The dead process's long poll is still open at the stand-in; the partner's next
    # message ends it, as a new poll would at Telegram.
    partner.say("/help")
    try:
        await started(telegram, incarnation=2)
        restarted_at = time.monotonic()
        await telegram.wait_for(lambda: bool(telegram.sent("sendPhoto", PARTNER_ID)), WITHIN)
        assert time.monotonic() - restarted_at < WITHIN
        await partner.sees("2 tokens spent, 498 left")
        assert "2 tokens spent, 498 left" in telegram.messages[(PARTNER_ID, progress)].visible
        edits = [c.params for c in telegram.sent("editMessageText", PARTNER_ID)]
        resumed = [e for e in edits if "Picked up again after an interruption" in e["text"]]
        assert resumed and all(e["message_id"] == progress for e in resumed)
        partner.say("/balance")
        await partner.sees("Your balance: 498 tokens")
        assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
        assert len(providers.calls_to(IMAGE_MODEL)) == 2  # painted again after the kill
        assert not any("interrupted" in m.visible for m in partner.messages())
        kinds = ledger_kinds(tmp_path)
        assert kinds.count("reserve") == 1 and kinds.count("commit") == 1
        assert "refund" not in kinds
        assert telegram.errors == []
    finally:
        stderr = await stop(second)
    assert b"Traceback" not in stderr, stderr.decode()


async def test_kill_9_and_a_restart_after_the_deadline_refund_once_and_tell(
    server, telegram, providers, tmp_path
):
    timeout = 6.0
    env = settings(providers, timeout=timeout)
    partner, progress, pressed_at = await killed_mid_painting(
        server, telegram, providers, tmp_path, env
    )
    await asyncio.sleep(max(pressed_at + timeout + 0.5 - time.monotonic(), 0))  # down a while

    second = await start_bot(server, tmp_path, **env)
    partner.say("/help")  # ends the dead process's long poll at the stand-in
    try:
        await started(telegram, incarnation=2)
        restarted_at = time.monotonic()

        def told() -> bool:
            return "interrupted" in telegram.messages[(PARTNER_ID, progress)].visible

        await telegram.wait_for(told, WITHIN)
        assert time.monotonic() - restarted_at < WITHIN
        message = telegram.messages[(PARTNER_ID, progress)]
        assert "Your 2 tokens are back. Balance: 500." in message.visible
        assert [b["text"] for b in message.buttons] == ["🚀 Generate (2 tokens)"]
        assert not telegram.sent("sendPhoto", PARTNER_ID)  # not resumed past its deadline
        assert len(providers.calls_to(IMAGE_MODEL)) == 1
        partner.say("/balance")
        await partner.sees("Your balance: 500 tokens")
        kinds = ledger_kinds(tmp_path)
        assert kinds.count("reserve") == 1 and kinds.count("refund") == 1
        assert "commit" not in kinds

        telegram.press(PARTNER_ID, message, "Generate")  # the system serves again
        await telegram.wait_for(lambda: bool(telegram.sent("sendPhoto", PARTNER_ID)), WITHIN)
        await partner.sees("2 tokens spent, 498 left")
        assert len(telegram.sent("sendPhoto", PARTNER_ID)) == 1
        assert telegram.errors == []
    finally:
        stderr = await stop(second)
    assert b"Traceback" not in stderr, stderr.decode()
