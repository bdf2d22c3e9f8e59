"""Start-up mistakes as a newcomer makes them, with `python -m bot run` as its own process:
each is one clear line on stderr and an exit status, never a traceback; and a Telegram that
goes away while the bot polls is retried, one log line per failure."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import PARTNER_ID
from tests.fakes.botapi_http import BotAPIServer
from tests.fakes.telegram import FakeTelegram
from tests.test_e2e import STARTUP, TOKEN

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = [name.upper() for name in Settings.model_fields]
LOG_RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ [\w.]+: ")
NOT_SET = (
    "error: BOT_TOKEN is not set: put your bot's token from @BotFather in .env or the environment"
)


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The process environment without any of the bot's settings, plus `values`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "MEDIA_DIR": str(tmp_path / "media"),
        # The local writer streams its posts, but faster than a reader's pace (0.3 s a
        # sentence): the processes' posts take their painting's time, not the text's.
        "LOCAL_WRITER_PACE": "0.05",
        **values,
    }


def run(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` from `tmp_path` (so only a .env put there is read)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=clean_env(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=STARTUP,  # the bot imports aiogram first
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_env_example_copied_as_is_says_what_to_set(tmp_path: Path):
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = run(tmp_path)
    assert result.returncode == 2
    assert one_line(result) == NOT_SET


def test_an_unreadable_dotenv_is_one_line(tmp_path: Path):
    (tmp_path / ".env").write_bytes(b"BOT_TOKEN=\xff\xfe\n")  # saved in another encoding
    result = run(tmp_path)
    assert result.returncode == 2
    assert one_line(result).startswith("error: cannot read the settings: ")


def test_an_empty_token_in_the_environment_is_not_set(tmp_path: Path):
    result = run(tmp_path, BOT_TOKEN="", REDIS_URL="", TEXT_TIMEOUT="", ADMIN_IDS="")
    assert result.returncode == 2
    assert one_line(result) == NOT_SET


def test_every_setting_left_empty_in_dotenv_takes_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=\n" for name in SETTING_NAMES), encoding="utf-8")
    assert Settings(_env_file=env_file) == Settings(_env_file=None)
    assert Settings(_env_file=env_file).bot_token is None


def test_a_worker_renders_one_image_at_a_time_unless_told(monkeypatch: pytest.MonkeyPatch):
    """`run` paints two local images at once; a `worker` one, so that each worker holds
    one core and more workers scale; LOCAL_CONCURRENCY, when set, holds for both."""
    monkeypatch.delenv("LOCAL_CONCURRENCY", raising=False)
    settings = Settings(_env_file=None)
    assert settings.resilience.concurrency["local"] == 2
    assert settings.for_worker().resilience.concurrency["local"] == 1
    monkeypatch.setenv("LOCAL_CONCURRENCY", "3")
    told = Settings(_env_file=None)
    assert (
        told.resilience.concurrency["local"]
        == told.for_worker().resilience.concurrency["local"]
        == 3
    )


@pytest.mark.parametrize("token", ["123456:short", "bot123456:" + "A" * 35, "  "])
def test_a_token_not_shaped_like_telegrams_exits_2(tmp_path: Path, token: str):
    result = run(tmp_path, BOT_TOKEN=token)
    assert result.returncode == 2
    line = one_line(result)
    if token.strip():
        assert line.startswith("error: BOT_TOKEN does not look like a token from @BotFather")
        assert token not in line  # the secret is not echoed
    else:
        assert line == NOT_SET


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ADMIN_IDS": "11111111,bob"}, "ADMIN_IDS"),
        ({"TEXT_TIMEOUT": "soon"}, "TEXT_TIMEOUT"),
        ({"BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://db/bot"}, "DATABASE_URL"),
        ({"TELEGRAM_API_BASE": "api.telegram.org"}, "TELEGRAM_API_BASE"),
        ({"FOUR_K_MODELS": "openai:gpt-image-2"}, "FOUR_K_MODELS"),
        ({"PRICES_FILE": "/nowhere/models.toml"}, "PRICES_FILE"),
    ],
)
def test_an_invalid_setting_is_one_line_naming_it(
    tmp_path: Path, values: dict[str, str], named: str
):
    result = run(tmp_path, BOT_TOKEN=TOKEN, **values)
    assert result.returncode == 2
    assert one_line(result).startswith(f"error: {named} is invalid: ")


async def test_a_refused_token_is_one_line_and_exit_1(tmp_path: Path, server: BotAPIServer):
    server.token = "999:" + "B" * 35  # the stand-in knows another bot only
    result = await asyncio.to_thread(
        run, tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=server.base_url
    )
    assert result.returncode == 1
    assert one_line(result) == (
        f"error: Telegram refused the token (401) at {server.base_url}: check BOT_TOKEN"
    )
    assert not (tmp_path / "bot.db").exists()  # nothing was opened before asking Telegram


async def test_a_base_url_that_is_not_a_bot_api_is_one_line_and_exit_1(
    tmp_path: Path, server: BotAPIServer
):
    base = f"{server.base_url}/somewhere/else"  # answers 404 in plain text, not JSON
    result = await asyncio.to_thread(run, tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=base)
    assert result.returncode == 1
    assert one_line(result) == (
        f"error: {base} does not answer like a Bot API server: check TELEGRAM_API_BASE"
    )


@pytest.mark.parametrize("problem", ["not a database", "a file in the way"])
async def test_a_database_that_cannot_be_opened_is_one_line_and_exit_1(
    tmp_path: Path, server: BotAPIServer, problem: str
):
    if problem == "not a database":
        (tmp_path / "notes.db").write_text("shopping list\n" * 100, encoding="utf-8")
        url = f"sqlite:///{tmp_path / 'notes.db'}"
    else:
        (tmp_path / "data").write_text("", encoding="utf-8")  # a file where a folder must be
        url = f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    result = await asyncio.to_thread(
        run,
        tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=server.base_url,
        DATABASE_URL=url,
        LOG_LEVEL="WARNING",  # (INFO would add the model chains chosen before the database)
    )
    # (a hang, an aiosqlite thread left running, fails on the timeout)
    assert result.returncode == 1
    assert one_line(result).startswith("error: cannot open the database or the media folder: ")


def test_an_unreachable_telegram_is_one_line_and_exit_1(tmp_path: Path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = run(tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=base)
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"error: cannot reach Telegram at {base}: ")
    assert line.endswith("; check the network or TELEGRAM_API_BASE")


async def test_network_errors_while_polling_are_retried_and_logged_one_line_each(
    tmp_path: Path, server: BotAPIServer, telegram: FakeTelegram
):
    env = clean_env(
        tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE=server.base_url,
        LOG_LEVEL="WARNING",
        SCHEDULER_ENABLED="false",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    lines: list[str] = []

    async def read_stderr() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            lines.append(raw.decode().rstrip("\n"))  # noqa: PERF401 (read while it grows)

    reader = asyncio.create_task(read_stderr())
    try:
        await telegram.wait_for(lambda: bool(telegram.sent("getUpdates")), STARTUP)  # polling
        port = int(server.base_url.rsplit(":", 1)[1])
        await server.stop()  # Telegram goes away while the bot long-polls

        def failures() -> list[str]:
            return [line for line in lines if "Failed to fetch updates" in line]

        await telegram.wait_for(lambda: len(failures()) >= 2, 30)
        telegram.closed = False
        await server.start(port)  # ... and comes back
        telegram.message_update(PARTNER_ID, "/start")
        await telegram.wait_for(lambda: bool(telegram.sent("sendMessage", PARTNER_ID)), 30)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), 30)
        await reader
    log = "\n".join(lines)
    assert code == 0 and "Traceback" not in log, log
    assert TOKEN.split(":")[1] not in log  # aiohttp quotes the URL, token and all
    assert all(LOG_RECORD.match(line) for line in lines), log  # one record, one line
    assert not any("Sleep for" in line for line in lines)
    assert all(line.endswith("(retrying with backoff)") for line in failures())
