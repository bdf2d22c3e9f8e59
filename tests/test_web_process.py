"""`python -m bot web` as its own process, configured only through its environment, with
the local Bot API stand-in delivering updates by webhook the way Telegram does."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.providers_http import GOOGLE_KEY, ProviderAPI
from tests.test_e2e import STARTUP, TOKEN, User, stop, walk_studio
from tests.test_startup import clean_env, one_line
from tests.test_web import SECRET, unused_port

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://bot.example.com"
IMAGE_MODEL = "gemini-2.5-flash-image"


def web_env(tmp_path: Path, server: BotAPIServer, port: int, **extra: str) -> dict[str, str]:
    values = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": server.base_url,
        "ADMIN_IDS": str(ADMIN_ID),
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "OPS_PORT": str(unused_port()),  # each process its own (others may run beside)
        "LOG_LEVEL": "WARNING",
        "SCHEDULER_ENABLED": "false",
    }
    return clean_env(tmp_path, **{**values, **extra})


async def start_web(tmp_path: Path, server: BotAPIServer, port: int, **extra: str):
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "web",
        cwd=tmp_path,
        env=web_env(tmp_path, server, port, **extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def test_web_process_sets_the_webhook_and_answers_what_telegram_posts(
    server, telegram, tmp_path
):
    port, ops_port = unused_port(), unused_port()
    local, ops = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ops_port}"
    process = await start_web(tmp_path, server, port, OPS_PORT=str(ops_port))
    try:
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        webhook = telegram.webhook
        assert webhook["url"] == f"{PUBLIC_URL}/telegram/webhook"
        assert webhook["secret_token"] == SECRET
        assert webhook["drop_pending_updates"] is False
        assert {"message", "callback_query", "pre_checkout_query", "inline_query"} <= set(
            webhook["allowed_updates"]
        )
        assert len(telegram.sent("setMyCommands")) == 3  # the start-up ran before
        assert await get(f"{local}/healthz") == (200, {"status": "ok"})
        assert await get(f"{ops}/readyz") == (
            200,
            {"ready": True, "database": "ok", "redis": "not configured"},
        )
        update = telegram.message_update(PARTNER_ID, "/start")
        assert await server.deliver(update, f"{local}/telegram/webhook", secret="guess") == 401
        assert await server.deliver(update, f"{local}/telegram/webhook", secret="") == 401
        assert not telegram.sent("sendMessage", PARTNER_ID)
        server.deliver_queued(f"{local}/telegram/webhook")  # the same update, with the secret
        await telegram.wait_for(lambda: bool(telegram.sent("sendMessage", PARTNER_ID)), 20)
        async with aiohttp.ClientSession() as session, session.get(f"{ops}/metrics") as got:
            assert 'bot_updates_total{type="message"} 1.0' in await got.text()
        assert telegram.errors == []
    finally:
        stderr = await stop(process)
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()


async def test_sigterm_stops_accepting_and_lets_the_post_being_painted_finish(
    server, telegram, tmp_path
):
    providers = ProviderAPI(latency=3.0)  # every image takes three seconds to paint
    await providers.start()
    port = unused_port()
    local = f"http://127.0.0.1:{port}"
    process = await start_web(
        tmp_path,
        server,
        port,
        GOOGLE_API_KEY=GOOGLE_KEY,
        GOOGLE_GEMINI_BASE_URL=providers.base_url,
        IMAGE_MODELS=f"google:{IMAGE_MODEL}",
        TEXT_MODELS="local",
    )
    try:
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        server.deliver_queued(f"{local}/telegram/webhook")
        admin, partner = User(telegram, ADMIN_ID), User(telegram, PARTNER_ID)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on for 1001. Balance: 500")
        await walk_studio(partner)
        await telegram.wait_for(lambda: bool(providers.calls_to(IMAGE_MODEL)), 20)
        process.send_signal(signal.SIGTERM)  # as a deploy or a scale-down does
        await asyncio.sleep(0.5)
        assert process.returncode is None  # still finishing the post
        with pytest.raises(aiohttp.ClientConnectionError):
            await get(f"{local}/healthz")  # but no longer accepting
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr, stderr.decode()
        assert any(m.photo for m in partner.messages())
        await partner.sees("2 tokens spent, 498 left")
        assert telegram.errors == []
    finally:
        if process.returncode is None:
            await stop(process)
        await providers.stop()


def run_web(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "web"],
        cwd=tmp_path,
        env=clean_env(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=False,
    )


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"WEBHOOK_URL": PUBLIC_URL}, "error: WEBHOOK_SECRET is not set: "),
        ({"WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": ""}, "error: WEBHOOK_SECRET is not set: "),
        ({"WEBHOOK_SECRET": SECRET}, "error: WEBHOOK_URL is not set: "),
        ({}, "error: WEBHOOK_URL and WEBHOOK_SECRET are not set: "),
        (
            {"WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": "no spaces"},
            "error: WEBHOOK_SECRET is invalid: ",
        ),
        (
            {"WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": "x" * 257},
            "error: WEBHOOK_SECRET is invalid: ",
        ),
        (
            {"WEBHOOK_URL": "http://bot.example.com", "WEBHOOK_SECRET": SECRET},
            "error: WEBHOOK_URL is invalid: ",
        ),
        (
            {"WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET, "WEB_PORT": "http"},
            "error: WEB_PORT is invalid: ",
        ),
    ],
)
def test_web_without_a_usable_webhook_setting_is_one_line_and_exit_2(
    tmp_path: Path, values: dict[str, str], line: str
):
    result = run_web(tmp_path, BOT_TOKEN=TOKEN, **values)
    assert result.returncode == 2
    assert one_line(result).startswith(line)
    assert "no spaces" not in result.stderr  # the secret is not echoed
    assert not (tmp_path / "bot.db").exists()  # nothing was opened


async def test_a_port_in_use_is_one_line_and_exit_1(server, telegram, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = web_env(tmp_path, server, port)
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "web"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=STARTUP,
            check=False,
        )
    assert result.returncode == 1
    assert one_line(result).startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert telegram.webhook is None  # Telegram was not pointed at a server that is not there


async def test_an_operations_port_in_use_is_one_line_and_exit_1(server, telegram, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ops_port = taken.getsockname()[1]
        env = web_env(tmp_path, server, unused_port(), OPS_PORT=str(ops_port))
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot", "web"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=STARTUP,
            check=False,
        )
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{ops_port}: ")
    assert line.endswith("check OPS_HOST and OPS_PORT")
    assert telegram.webhook is None


def test_the_procfile_runs_commands_that_exist():
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    commands = dict(line.split(": ", 1) for line in procfile if line.strip())
    assert commands["web"] == "python -m bot web"
    for command in commands.values():
        args = command.split()[3:]
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=STARTUP,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 0, result.stderr
