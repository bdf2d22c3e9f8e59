"""A self-hosted Bot API server (`telegram-bot-api --local`) may post updates to a plain
http WEBHOOK_URL; Telegram's cloud calls only https. `web` accepts http:// only when
TELEGRAM_API_BASE is not the cloud, and says so in one warning line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, is_telegram_cloud
from bot.startup import settings_problem, webhook_warning
from tests.fakes.botapi_http import BotAPIServer
from tests.test_e2e import STARTUP, stop
from tests.test_ops import answering
from tests.test_web import SECRET, unused_port
from tests.test_web_process import start_web

LOCAL_API = "http://127.0.0.1:8081"
PLAIN_URL = "http://bot.internal:8080"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("base", "cloud"),
    [
        ("https://api.telegram.org", True),
        ("https://api.telegram.org/", True),
        ("http://api.telegram.org", True),
        ("http://127.0.0.1:8081", False),
        ("https://tg-api.example.com", False),
        ("https://api.telegram.org.example.com", False),
    ],
)
def test_the_cloud_is_told_by_its_host(base: str, cloud: bool):
    assert is_telegram_cloud(base) is cloud


@pytest.mark.parametrize("base", [LOCAL_API, "https://tg-api.example.com"])
def test_an_http_webhook_url_is_accepted_with_a_self_hosted_server(base: str):
    made = settings(telegram_api_base=base, webhook_url=PLAIN_URL + "/")
    assert made.webhook_url == PLAIN_URL
    assert made.webapp_url is None  # Mini Apps need https: no menu button, no "Open in app"
    warning = webhook_warning(made)
    assert warning is not None
    assert "plain http" in warning
    assert base in warning
    assert "\n" not in warning


def test_an_http_webhook_url_is_refused_with_telegrams_cloud():
    with pytest.raises(ValidationError) as error:
        settings(webhook_url=PLAIN_URL)
    assert settings_problem(error.value).startswith(
        "error: WEBHOOK_URL is invalid: expected the public https URL of this server"
    )


def test_an_invalid_api_base_counts_as_the_cloud():
    with pytest.raises(ValidationError) as error:
        settings(telegram_api_base="ftp://x", webhook_url=PLAIN_URL)
    problem = settings_problem(error.value)
    assert problem.startswith("error: TELEGRAM_API_BASE is invalid")
    assert "also invalid: WEBHOOK_URL" in problem


@pytest.mark.parametrize("url", ["ftp://bot.internal", "http://", "bot.internal:8080"])
def test_a_self_hosted_server_still_needs_an_http_url(url: str):
    with pytest.raises(ValidationError) as error:
        settings(telegram_api_base=LOCAL_API, webhook_url=url)
    assert settings_problem(error.value).startswith("error: WEBHOOK_URL is invalid: expected")


def test_https_is_never_warned_about():
    assert webhook_warning(settings(webhook_url="https://bot.example.com")) is None
    assert webhook_warning(settings(telegram_api_base=LOCAL_API)) is None


async def test_web_behind_a_local_bot_api_server_sets_an_http_webhook_with_one_warning(
    server: BotAPIServer, telegram, tmp_path: Path
):
    telegram.local_mode = True  # the stand-in answers as a local-mode server does
    port = unused_port()
    url = f"http://127.0.0.1:{port}"  # the stand-in reaches this process directly
    process = await start_web(tmp_path, server, port, WEBHOOK_URL=url)
    try:
        await telegram.wait_for(lambda: telegram.webhook is not None, STARTUP)
        assert telegram.webhook["url"] == f"{url}/telegram/webhook"
        assert telegram.webhook["secret_token"] == SECRET
        assert telegram.errors == []
        assert (await answering(f"{url}/healthz"))[0] == 200  # serving: a Ctrl-C is a stop
    finally:
        stderr = (await stop(process)).decode()
    assert process.returncode == 0, stderr
    warnings = [line for line in stderr.splitlines() if "plain http" in line]
    assert len(warnings) == 1, stderr
    assert server.base_url in warnings[0]
    assert "Traceback" not in stderr
