"""Command line: `python -m bot run` (the bot) and `python -m bot demo --out DIR`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings
from services.catalog import Audience, PostType
from services.links import LinkProblem, check_referral_link


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (long polling)")
    demo = commands.add_parser("demo", help="make one viral post offline and save it")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="output folder")
    demo.add_argument("--type", dest="post_type", default=PostType.FOMO.value,
                      choices=[t.value for t in PostType])  # fmt: skip
    demo.add_argument("--audience", default=Audience.NOMADS.value,
                      choices=[a.value for a in Audience])  # fmt: skip
    demo.add_argument("--language", default="en", choices=["en", "es", "ru"])
    demo.add_argument("--link", default="https://example.com/ref/demo")
    return parser.parse_args(argv)


async def run_bot(settings: Settings) -> None:
    from bot.app import build_app

    app = await build_app(settings)
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
        await app.dispatcher.start_polling(app.bot)
    finally:
        await app.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"error: invalid settings: {error.errors()[0]['loc']} {error.errors()[0]['msg']}",
              file=sys.stderr)  # fmt: skip
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")  # fmt: skip
    if args.command == "run":
        if settings.bot_token is None:
            print("error: BOT_TOKEN is not set; put it in the environment or .env "
                  "(get one from @BotFather)", file=sys.stderr)  # fmt: skip
            return 2
        asyncio.run(run_bot(settings))
        return 0
    return demo(args)


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
