"""The one place that wires settings, storage, providers, services, bot and dispatcher."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis

from bot.config import Settings
from bot.middlewares import AccountI18nMiddleware, AccountMiddleware, InFlightMiddleware
from bot.telegram import RetryAfterMiddleware
from handlers import setup_routers
from services.art.provider import LocalImageRenderer
from services.catalog import UI_LANGUAGES
from services.generation.base import ImageGenerator, TextGenerator
from services.generation.chain import ChainEntry, ImageChain, TextChain
from services.generation.local_text import LocalTextWriter
from services.generation.resilience import Guard
from services.ledger import Ledger
from services.locks import MemoryUserLocks, RedisUserLocks, UserLocks
from services.media import MediaStore
from services.storage.accounts import AccountRepo, LedgerRepo
from services.storage.db import Database
from services.storage.posts import PostRepo
from services.studio import StudioService

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# Placeholder for runs without Telegram (demo, tests): aiogram validates the token's shape.
OFFLINE_TOKEN = "123456:offline-demo-token"


@dataclass
class Services:
    db: Database
    accounts: AccountRepo
    ledger: Ledger
    posts: PostRepo
    studio: StudioService
    redis: Redis | None = None

    async def close(self) -> None:
        await self.db.close()
        if self.redis is not None:
            await self.redis.aclose()


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    services: Services
    i18n: I18n
    in_flight: InFlightMiddleware

    async def close(self, grace: float = 30.0) -> None:
        """Lets updates in flight finish (up to `grace` seconds), then releases everything."""
        await self.in_flight.drain(grace)
        await self.services.close()
        await self.bot.session.close()


async def build_services(
    settings: Settings,
    *,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
) -> Services:
    """Storage, providers and domain services: everything but Telegram."""
    if settings.openai_api_key or settings.google_api_key:
        logger.warning(
            "OPENAI_API_KEY/GOOGLE_API_KEY are set, but cloud providers are not wired in yet: "
            "the local writer and renderer serve every post"
        )
    db = Database(settings.sqlite_path)
    await db.connect()
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    locks: UserLocks = (
        RedisUserLocks(redis, ttl_seconds=int(settings.generation_timeout) + 30)
        if redis is not None
        else MemoryUserLocks()
    )
    accounts = AccountRepo(db)
    ledger = Ledger(LedgerRepo(db), pro_monthly_tokens=settings.pro_monthly_tokens)
    posts = PostRepo(db)
    studio = StudioService(
        db=db,
        ledger=ledger,
        accounts=accounts,
        posts=posts,
        text_generator=text_generator or local_text_chain(settings),
        image_generator=image_generator or local_image_chain(settings),
        media=MediaStore(settings.media_dir),
        locks=locks,
        cost=settings.post_cost_tokens,
        timeout=settings.generation_timeout,
    )
    return Services(db=db, accounts=accounts, ledger=ledger, posts=posts, studio=studio,
                    redis=redis)  # fmt: skip


def local_text_chain(settings: Settings) -> TextChain:
    """The text chain of a bot without keys: the template writer, behind its guard."""
    guard = Guard("local:templates", settings.text_timeout)
    return TextChain([ChainEntry(LocalTextWriter(), guard)])


def local_image_chain(settings: Settings) -> ImageChain:
    guard = Guard("local:poster", settings.image_timeout)
    return ImageChain([ChainEntry(LocalImageRenderer(), guard)])


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    session.middleware(RetryAfterMiddleware())
    token = settings.bot_token.get_secret_value() if settings.bot_token else OFFLINE_TOKEN
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def build_app(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
) -> App:
    services = await build_services(
        settings, text_generator=text_generator, image_generator=image_generator
    )
    try:
        return _assemble(settings, services, session)
    except BaseException:
        await services.close()
        raise


def _assemble(settings: Settings, services: Services, session: BaseSession | None) -> App:
    storage: BaseStorage = (
        RedisStorage(services.redis) if services.redis is not None else MemoryStorage()
    )
    i18n = I18n(path=LOCALES_DIR, default_locale=settings.default_locale, domain="messages")
    dispatcher = Dispatcher(
        storage=storage,
        accounts=services.accounts,
        ledger=services.ledger,
        studio=services.studio,
        admin_ids=settings.admin_ids,
    )
    in_flight = InFlightMiddleware()
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(AccountMiddleware(services.accounts))
    AccountI18nMiddleware(i18n).setup(dispatcher)
    dispatcher.include_router(setup_routers())
    app = App(settings=settings, bot=build_bot(settings, session), dispatcher=dispatcher,
              services=services, i18n=i18n, in_flight=in_flight)  # fmt: skip
    dispatcher.startup.register(_on_startup(app))
    return app


def _on_startup(app: App) -> Callable[[Bot], Awaitable[None]]:
    async def on_startup(bot: Bot) -> None:
        refunded = await app.services.ledger.refund_stale(app.settings.generation_timeout)
        if refunded:
            logger.warning("refunded %d reservations left by a previous run", refunded)
        await register_commands(bot, app.i18n)

    return on_startup


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """The command menu in every UI language (English is also the default)."""
    for locale in UI_LANGUAGES:
        commands = [
            BotCommand(command=name, description=i18n.gettext(text, locale=locale))
            for name, text in COMMANDS
        ]
        language = None if locale == "en" else locale
        await bot.set_my_commands(commands, BotCommandScopeDefault(), language_code=language)


def _noop(text: str) -> str:
    """Marks a string for extraction; it is translated later, per locale."""
    return text


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", _noop("Main menu")),
    ("studio", _noop("Create a viral post (PRO)")),
    ("balance", _noop("Your PRO tokens")),
    ("language", _noop("Change the language")),
    ("cancel", _noop("Leave the current step")),
    ("help", _noop("All commands")),
)
