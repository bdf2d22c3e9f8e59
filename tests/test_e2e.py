"""End to end over real HTTP: the bot long-polls a local stand-in Bot API server, and users
press the buttons the bot actually sent."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from services.generation.base import FailureKind, GenerationError, ImageRequest, ImageResult
from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.botapi_rules import utf16_length
from tests.fakes.providers_http import GOOGLE_KEY, GOOGLE_UNAVAILABLE, OPENAI_KEY, ProviderAPI
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:E2E-test-token-shaped-like-botfathers"


class User:
    def __init__(self, telegram: FakeTelegram, user_id: int) -> None:
        self.telegram = telegram
        self.user_id = user_id

    def say(self, text: str) -> None:
        self.telegram.message_update(self.user_id, text)

    async def sees(self, pattern: str, timeout: float = 20) -> None:
        def seen() -> bool:
            return any(re.search(pattern, m.visible) for m in self.messages())

        await self.telegram.wait_for(seen, timeout)

    async def press(self, label: str, timeout: float = 20) -> None:
        def button_there() -> bool:
            messages = [m for m in self.messages() if m.buttons]
            return bool(messages) and any(label in b["text"] for b in messages[-1].buttons)

        await self.telegram.wait_for(button_there, timeout)
        self.telegram.press(self.user_id, self.telegram.last_with_buttons(self.user_id), label)

    def messages(self):
        return self.telegram.chat_messages(self.user_id)


STARTUP = 90.0
"""Seconds a `python -m bot` process may take to start: ~10 s of imports alone, several
times that when the suite's other processes share the two cores."""


async def started(telegram: FakeTelegram, incarnation: int = 1) -> None:
    """Waits until the `incarnation`-th process of the test has set its commands (three
    languages each): it is polling."""
    await telegram.wait_for(
        lambda: len(telegram.sent("setMyCommands")) >= 3 * incarnation, STARTUP
    )


async def walk_studio(partner: User) -> None:
    partner.say("/start")
    await partner.press("Viral Studio")
    await partner.press("Success Story")
    await partner.press("Investors")
    await partner.press("English")
    await partner.sees("Send your referral link")
    partner.say("https://example.com/ref/e2e?x=1&y=2")
    await partner.press("Generate")


async def start_bot(server: BotAPIServer, tmp_path: Path, **extra: str):
    """`python -m bot run` as its own process, configured only through its environment."""
    keys = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")
    env = {
        **{k: v for k, v in os.environ.items() if k not in keys},
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": server.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "MEDIA_DIR": str(tmp_path),
        "ADMIN_IDS": str(ADMIN_ID),
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_bot_process_makes_a_post_over_real_http(server, telegram, tmp_path):
    process = await start_bot(server, tmp_path)
    try:
        admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)
        await started(telegram)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on for 1001. Balance: 500")
        await walk_studio(partner)
        await telegram.wait_for(lambda: bool(telegram.sent("sendPhoto", PARTNER_ID)), 30)
        photo = next(m for m in partner.messages() if m.photo)
        assert 0 < utf16_length(photo.visible) <= 1024
        await partner.sees("2 tokens spent, 498 left")
        partner.say("/balance")
        await partner.sees("Your balance: 498 tokens")
        assert telegram.errors == []
    finally:
        stderr = await stop(process)
    assert b"Traceback" not in stderr, stderr.decode()


async def test_bot_process_with_cloud_keys_falls_back_to_the_second_image_model(
    server, telegram, tmp_path
):
    providers = ProviderAPI()
    await providers.start()
    providers.fail("gemini-2.5-flash-image", *[GOOGLE_UNAVAILABLE] * 3)
    process = await start_bot(
        server,
        tmp_path,
        OPENAI_API_KEY=OPENAI_KEY,
        OPENAI_BASE_URL=f"{providers.base_url}/v1",
        GOOGLE_API_KEY=GOOGLE_KEY,
        GOOGLE_GEMINI_BASE_URL=providers.base_url,
        RETRY_BASE_DELAY="0.01",
        RETRY_MAX_DELAY="0.05",
        SCHEDULER_ENABLED="false",
    )
    try:
        partner = User(telegram, PARTNER_ID)
        await started(telegram)
        admin = User(telegram, ADMIN_ID)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on")
        await walk_studio(partner)
        await telegram.wait_for(lambda: bool(telegram.sent("sendPhoto", PARTNER_ID)), 30)
        await partner.sees("2 tokens spent, 498 left")
        edits = [c.params["text"] for c in telegram.sent("editMessageText", PARTNER_ID)]
        assert any("trying another model" in text for text in edits)
        assert [c.model for c in providers.calls].count("gemini-2.5-flash-image") == 3
        assert providers.calls_to("gpt-image-2") and providers.calls_to("gpt-4.1-mini")
        assert telegram.errors == []
    finally:
        stderr = await stop(process)
        await providers.stop()
    assert b"Traceback" not in stderr, stderr.decode()


async def stop(process: asyncio.subprocess.Process) -> bytes:
    """Ctrl-C, as a person would; killed if it does not stop (then the test fails)."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        _, stderr = await process.communicate()
        stderr += b"\nTraceback: the bot did not stop within 30 s of SIGINT"
    return stderr


async def test_failing_image_provider_sends_no_photo_and_keeps_the_balance(
    server, telegram, tmp_path
):
    class DownPainter:
        async def paint(self, request: ImageRequest) -> ImageResult:
            raise GenerationError(FailureKind.UNAVAILABLE, "503 from provider")

    settings = Settings(
        bot_token=TOKEN,
        telegram_api_base=server.base_url,
        admin_ids=str(ADMIN_ID),
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        media_dir=tmp_path,
        redis_url=None,
        _env_file=None,
    )
    app = await build_app(settings, image_generator=DownPainter())
    polling = asyncio.create_task(
        app.dispatcher.start_polling(app.bot, handle_signals=False, polling_timeout=1)
    )
    try:
        await app.services.ledger.set_pro(PARTNER_ID, True, actor_id=ADMIN_ID, key="e2e")
        partner = User(telegram, PARTNER_ID)
        await walk_studio(partner)
        await partner.sees("Your 2 tokens were returned. Balance: 500")
        assert telegram.sent("sendPhoto") == []
        account = await app.services.accounts.get(PARTNER_ID)
        assert account is not None and account.balance == 500
        assert telegram.errors == []
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)  # stopped, or failed earlier
        await app.close(grace=5)


def test_run_without_token_exits_2_with_one_clear_line(tmp_path):
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: BOT_TOKEN is not set: put your bot's token from @BotFather in .env or the "
        "environment"
    ]
