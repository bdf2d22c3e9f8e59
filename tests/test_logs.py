"""LOG_FORMAT=json: `python -m bot run` writes one JSON object a line, and the lines
written while handling an update name the update and its sender; a scheduler job's lines
(and those of the services it runs) name the job."""

from __future__ import annotations

import io
import json
import logging
import sys

from bot.logs import JOB, UPDATE_ID, USER_ID, log_handler
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver
from tests.fakes.providers_http import GOOGLE_KEY, GOOGLE_UNAVAILABLE, OPENAI_KEY, ProviderAPI
from tests.test_e2e import TOKEN, User, start_bot, started, stop, walk_studio


async def test_json_lines_name_the_update_and_the_user(server, telegram, tmp_path):
    providers = ProviderAPI()
    await providers.start()
    providers.fail("gemini-2.5-flash-image", *[GOOGLE_UNAVAILABLE] * 3)
    process = await start_bot(
        server,
        tmp_path,
        SCHEDULER_ENABLED="false",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        OPENAI_API_KEY=OPENAI_KEY,
        OPENAI_BASE_URL=f"{providers.base_url}/v1",
        GOOGLE_API_KEY=GOOGLE_KEY,
        GOOGLE_GEMINI_BASE_URL=providers.base_url,
        RETRY_BASE_DELAY="0.01",
        RETRY_MAX_DELAY="0.05",
    )
    try:
        await started(telegram)
        admin = User(telegram, ADMIN_ID)
        admin.say(f"/pro {PARTNER_ID} on")
        await admin.sees("PRO is on")
        partner = User(telegram, PARTNER_ID)
        await walk_studio(partner)
        await partner.sees("2 tokens spent, 498 left", 30)
    finally:
        stderr = await stop(process)
        await providers.stop()
    lines = [json.loads(line) for line in stderr.decode().splitlines()]  # every line JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(e) for e in lines)
    handling = [e for e in lines if "update_id" in e]
    assert all(isinstance(e["update_id"], int) for e in handling)
    assert {e.get("user_id") for e in handling} <= {ADMIN_ID, PARTNER_ID}
    # The fallback of the partner's post, logged in a task the handler started.
    fallback = [e for e in lines if e["logger"] == "services.generation.chain"]
    assert fallback and all(e.get("user_id") == PARTNER_ID for e in fallback), lines
    assert all(isinstance(e.get("update_id"), int) for e in fallback)
    # The post's job of the queue is named; no scheduler job runs in this process.
    assert {e["job"].split(":")[0] for e in lines if "job" in e} <= {"post"}
    assert TOKEN.split(":")[1] not in stderr.decode()
    assert "Traceback" not in "".join(e["message"] for e in lines)


def test_a_json_line_carries_the_exception_and_never_the_token(capsys):
    logger = logging.getLogger("tests.logs.json")
    logger.propagate = False
    handler = log_handler("json")
    handler.setStream(sys.stderr)
    logger.addHandler(handler)
    update, user, job = UPDATE_ID.set(42), USER_ID.set(PARTNER_ID), JOB.set("daily_push")
    try:
        try:
            raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("failed at /bot%s/getUpdates\nsecond line", TOKEN)
    finally:
        UPDATE_ID.reset(update), USER_ID.reset(user), JOB.reset(job)
        logger.removeHandler(handler)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR" and entry["logger"] == "tests.logs.json"
    assert entry["message"] == "failed at /bot<token>/getUpdates\nsecond line"
    assert (entry["update_id"], entry["user_id"], entry["job"]) == (42, PARTNER_ID, "daily_push")
    assert (
        "RuntimeError: cannot reach https://api.telegram.org/bot<token>/getMe"
        in (entry["exception"])
    )
    assert TOKEN not in lines[0]


def test_outside_any_update_a_line_has_no_ids(capsys):
    logger = logging.getLogger("tests.logs.plain")
    logger.propagate = False
    handler = log_handler("json")
    handler.setStream(sys.stderr)
    logger.addHandler(handler)
    try:
        logger.warning("plain")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(capsys.readouterr().err)
    assert entry["message"] == "plain"
    assert not {"update_id", "user_id", "job", "exception"} & set(entry)


async def test_a_jobs_lines_name_the_job(driver: Driver):
    handler = log_handler("json")
    stream = io.StringIO()
    handler.setStream(stream)
    loggers = [
        logging.getLogger(name) for name in ("bot.duties.scheduler", "services.cosmic.batch")
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    try:
        assert await driver.app.scheduler.fire("nightly_batch") is not None
        logging.getLogger("bot.duties.scheduler").info("after the job")
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e.get("job")) for e in lines] == [
        ("services.cosmic.batch", "nightly_batch"),  # a service the job ran
        ("bot.duties.scheduler", "nightly_batch"),
        ("bot.duties.scheduler", None),
    ]


def test_a_text_line_and_its_traceback_never_carry_the_token(capsys):
    logger = logging.getLogger("tests.logs.text")
    logger.propagate = False
    handler = log_handler("text")
    handler.setStream(sys.stderr)
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("failed at /bot%s/getUpdates", TOKEN)
    finally:
        logger.removeHandler(handler)
    text = capsys.readouterr().err
    assert "failed at /bot<token>/getUpdates" in text and "/bot<token>/getMe" in text
    assert TOKEN not in text
