"""Command line: `python -m bot run` (the bot, long polling), `python -m bot web` (the bot
behind Telegram's webhook), `python -m bot worker` (generation jobs from the Redis queue),
`python -m bot migrate` (the database schema) and `python -m bot demo --out DIR`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.config import Settings
from bot.logs import log_handler
from bot.startup import (
    OneLinePollingLog,
    check_telegram,
    database_problem,
    one_line,
    schema_problem,
    settings_problem,
    telegram_problem,
    token_problem,
    webhook_problem,
    webhook_warning,
    worker_problem,
)
from services.studio.catalog import Audience, PostType
from services.studio.links import LinkProblem, check_referral_link

if TYPE_CHECKING:  # aiogram takes seconds to import: a settings mistake is told at once
    import socket

    from fastapi import FastAPI

    from bot.app import App


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (long polling)")
    commands.add_parser("web", help="start the webhook receiver (HTTP on WEB_HOST:WEB_PORT)")
    commands.add_parser("migrate", help="bring the database at DATABASE_URL up to date")
    commands.add_parser("worker", help="run generation jobs from the queue (needs REDIS_URL)")
    demo = commands.add_parser("demo", help="make one viral post offline and save it")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="output folder")
    demo.add_argument(
        "--type",
        dest="post_type",
        default=PostType.FOMO.value,
        choices=[t.value for t in PostType],
    )
    demo.add_argument(
        "--audience", default=Audience.NOMADS.value, choices=[a.value for a in Audience]
    )
    demo.add_argument("--language", default="en", choices=["en", "es", "ru"])
    demo.add_argument("--link", default="https://example.com/ref/demo")
    return parser.parse_args(argv)


async def open_app(settings: Settings, role: str = "run", *, migrate: bool = True) -> App | None:
    """Telegram answers to the token, then the app is built for `role` (its incarnation),
    the schema brought up to date unless not to `migrate`; None once the one line that
    says what is wrong has been printed."""
    from bot.app import build_app
    from bot.warmup import freeze_heap
    from services.infra.db import UNREACHABLE

    if problem := await check_telegram(settings):
        print(problem, file=sys.stderr)
        return None
    try:
        app = await build_app(settings, role=role, migrate=migrate)
    except UNREACHABLE as error:
        reason = database_problem(error)
        print(f"error: cannot open the database or the media folder: {reason}", file=sys.stderr)
        return None
    freeze_heap()  # first: the pools' connections are not start-up objects to keep
    await app.open_connections()
    return app


async def run_bot(settings: Settings) -> int:
    from aiogram.exceptions import AiogramError

    from bot.worker import consume

    app = await open_app(settings)
    if app is None:
        return 1
    app.queue.work_here(partial(consume, app))  # with Redis: one process, its own worker
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
        await app.dispatcher.start_polling(app.bot)
    except AiogramError as error:  # polling itself retries network errors with backoff
        print(telegram_problem(error, settings.telegram_api_base), file=sys.stderr)
        return 1
    finally:
        await app.close()
    return 0


async def serve_worker(settings: Settings) -> int:
    from bot.http.app import app_readiness
    from bot.http.health import create_ops_app, serve_ops
    from bot.worker import run_worker

    # A worker never migrates: in a rolling deploy `python -m bot migrate` runs first, and a
    # worker of the new release must not start on the old schema.
    if problem := await schema_problem(settings):
        print(problem, file=sys.stderr)
        return 1
    app = await open_app(settings, "worker", migrate=False)
    if app is None:
        return 1
    try:
        opened = open_listeners((*settings.ops_address("worker"), "OPS_HOST and OPS_PORT"))
        if isinstance(opened, str):
            print(opened, file=sys.stderr)
            return 1
        (ops_sock,) = opened
        try:
            async with serve_ops(create_ops_app(app_readiness(app)), ops_sock):
                await run_worker(app)
        finally:
            ops_sock.close()
    finally:
        await app.close(grace=0)
    return 0


async def serve_web(settings: Settings) -> int:
    """Builds the bot, binds WEB_HOST:WEB_PORT (public) and OPS_HOST:OPS_PORT (operations),
    runs the start-up, points Telegram's webhook here and serves until SIGTERM or Ctrl-C;
    then lets the updates in flight finish."""
    from aiogram.exceptions import AiogramError

    from bot.http.app import app_readiness, create_web_app
    from bot.http.health import create_ops_app, serve_ops

    if warning := webhook_warning(settings):
        logging.getLogger("bot.startup").warning(warning)
    app = await open_app(settings, "web")
    if app is None:
        return 1
    readiness = app_readiness(app)
    web = create_web_app(app, readiness)
    opened = open_listeners(
        (settings.web_host, settings.web_port, "WEB_HOST and WEB_PORT"),
        (*settings.ops_address("web"), "OPS_HOST and OPS_PORT"),
    )
    if isinstance(opened, str):
        print(opened, file=sys.stderr)
        await app.close()
        return 1
    sock, ops_sock = opened
    try:
        async with serve_ops(create_ops_app(readiness), ops_sock):
            await serve_webhook(app, web, sock)
    except AiogramError as error:
        print(telegram_problem(error, settings.telegram_api_base), file=sys.stderr)
        return 1
    finally:
        sock.close()
        ops_sock.close()
        await app.close()
    return 0


def open_listeners(*places: tuple[str, int, str]) -> list[socket.socket] | str:
    """A listening socket for each (host, port, the settings that name them), bound before
    Telegram is told to send updates here; or the one line that says which could not be."""
    from bot.http.app import listen

    opened: list[socket.socket] = []
    for host, port, names in places:
        try:
            opened.append(listen(host, port))
        except OSError as error:
            for sock in opened:
                sock.close()
            return f"error: cannot listen on {host}:{port}: {error}; check {names}"
    return opened


async def serve_webhook(app: App, web: FastAPI, sock: socket.socket) -> None:
    """The dispatcher's start-up, setWebhook, serving, the dispatcher's shutdown."""
    from bot.http.app import WEBHOOK_PATH, serve

    settings, dispatcher, bot = app.settings, app.dispatcher, app.bot
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    workflow = {"dispatcher": dispatcher, "bots": [bot], **dispatcher.workflow_data}
    await dispatcher.emit_startup(bot=bot, **workflow)  # as long polling starts
    try:
        await bot.set_webhook(
            url=settings.webhook_url + WEBHOOK_PATH,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        ops_host, ops_port = settings.ops_address("web")
        logging.getLogger("bot.http.app").info(
            "webhook at %s%s; listening on %s:%s (operations on %s:%s)",
            settings.webhook_url,
            WEBHOOK_PATH,
            settings.web_host,
            settings.web_port,
            ops_host,
            ops_port,
        )
        await serve(web, sock)
    finally:
        await dispatcher.emit_shutdown(bot=bot, **workflow)


def setup_logging(level: str, log_format: str = "text") -> None:
    """Records to stderr as LOG_FORMAT says (bot/logs.py); aiogram's failed polls one line
    each, without the token, in either format."""
    logging.basicConfig(level=level, handlers=[log_handler(log_format)])
    logging.getLogger("aiogram.dispatcher").addFilter(OneLinePollingLog())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(settings_problem(error), file=sys.stderr)
        return 2
    except (SettingsError, OSError, UnicodeDecodeError) as error:  # an unreadable .env
        print(f"error: cannot read the settings: {one_line(str(error))}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.log_format)
    if args.command == "migrate":
        return asyncio.run(migrate(settings))
    if args.command == "demo":
        return demo(args)
    serve, problem = _serving(args.command, settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve)
    except KeyboardInterrupt:  # a second Ctrl-C while the updates in flight finish
        return 130


def _serving(command: str, settings: Settings) -> tuple[Coroutine[Any, Any, int], str | None]:
    """The serving process `command` runs (run, worker or web), or why it cannot start."""
    problem = token_problem(settings)
    if command == "worker":
        problem = problem or worker_problem(settings)
        serve = serve_worker(settings.for_worker())
    elif command == "web":
        problem = problem or webhook_problem(settings)
        serve = serve_web(settings)
    else:
        serve = run_bot(settings)
    if problem:
        serve.close()  # never awaited: no warning that it was not
    return serve, problem


async def migrate(settings: Settings) -> int:
    """Alembic's upgrade to the newest revision (every start does the same)."""
    from services.infra.db import UNREACHABLE, Database

    database = Database(settings.database_url, **{**settings.database_options, "pool_size": 1})
    try:
        await database.connect()
    except UNREACHABLE as error:
        reason = database_problem(error)
        print(f"error: cannot migrate the database: {reason}", file=sys.stderr)
        return 1
    await database.close()
    print("the database is up to date")
    return 0


def demo(args: argparse.Namespace) -> int:
    from bot.demo import parse_draft, run_demo

    link = args.link or None
    if link and isinstance(check_referral_link(link), LinkProblem):
        print("error: --link must be an http(s) URL of at most 200 characters", file=sys.stderr)
        return 2
    draft = parse_draft(args.post_type, args.audience, args.language, link)
    report = asyncio.run(run_demo(args.out, draft))
    post = report["post"]
    timings = report["timings"]
    print(f"Post: {post['title']}")  # type: ignore[index]
    print(f"  text ready after  {timings['text_ms']:>8.1f} ms")  # type: ignore[index]
    print(f"  image ready after {timings['image_ms']:>8.1f} ms")  # type: ignore[index]
    print(f"  total             {timings['total_ms']:>8.1f} ms")  # type: ignore[index]
    print(f"Wrote {args.out}/post.json, caption.html, caption.txt and image.png")
    print(f"Cosmic Coach samples: {', '.join(report['cosmic'].values())}")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
