"""The one place that wires settings, storage, providers, services, bot and dispatcher."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from google import genai
from google.genai import types as genai_types
from openai import AsyncOpenAI
from redis.asyncio import Redis

from bot.config import Settings
from bot.jobs import build_jobs
from bot.leadership import Duty, Leadership
from bot.middlewares import AccountI18nMiddleware, AccountMiddleware, InFlightMiddleware
from bot.pushes import DailyPush
from bot.scheduler import Scheduler
from bot.sweeper import Sweeper
from bot.telegram import RetryAfterMiddleware
from bot.throttling import FloodMiddleware
from handlers import setup_routers
from services.admin.costs import CostReport
from services.admin.repo import ReportRepo
from services.admin.reports import Reports
from services.admin.service import AdminService
from services.admin.stats import Stats
from services.core.accounts import AccountRepo, LedgerRepo
from services.core.broadcast import Broadcaster
from services.core.db import Database
from services.core.images import ImageRepo
from services.core.leader import LeaderLease, LocalLease, RedisLease
from services.core.ledger import Ledger
from services.core.locks import MemoryUserLocks, RedisUserLocks, UserLocks
from services.core.media import MediaStore
from services.core.pacing import MemoryRates, RateStore, RedisRates
from services.core.payments import PaymentService, Prices
from services.core.payments_repo import PaymentRepo
from services.core.profile import ProfileService
from services.core.schedules import ScheduleRepo
from services.core.sweep import Sweep
from services.core.tiers import Clock
from services.core.usage import UsageRepo
from services.core.work import WorkRepo
from services.cosmic.batch import NightlyBatch
from services.cosmic.cache import MemoryImageCache, RedisImageCache
from services.cosmic.gallery import GalleryService
from services.cosmic.service import CosmicService
from services.cosmic.subscriptions import SubscriptionService
from services.generation.base import ImageGenerator
from services.generation.chain import ChainEntry, ImageChain
from services.generation.lineup import Clients, Lineup, build_lineup
from services.generation.pricing import PriceList
from services.generation.resilience import Guard, RetryPolicy
from services.sharing.analytics import Analytics, GrowthRules
from services.sharing.repo import CardRepo, EventRepo, ReferralRepo
from services.sharing.service import CardService
from services.studio.catalog import UI_LANGUAGES
from services.studio.chains import TextChain
from services.studio.interrupted import keep_interrupted
from services.studio.models import TextGenerator
from services.studio.repo import PostRepo
from services.studio.service import StudioService

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
    cosmic: CosmicService
    payments: PaymentService
    analytics: Analytics
    cards: CardService
    schedules: ScheduleRepo
    batch: NightlyBatch
    reports: Reports
    costs: CostReport
    stats: Stats
    broadcaster: Broadcaster
    sweep: Sweep
    lineup: Lineup
    clients: Clients
    redis: Redis | None = None
    rates: RateStore = field(default_factory=MemoryRates)
    lease: LeaderLease = field(default_factory=LocalLease)

    async def close(self) -> None:
        await self.db.close()
        await self.clients.aclose()
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
    scheduler: Scheduler
    push: DailyPush
    sweeper: Sweeper
    leadership: Leadership | None = None

    async def close(self, grace: float = 30.0) -> None:
        """Lets updates in flight finish (up to `grace` seconds), then releases everything."""
        if self.leadership is not None:
            await self.leadership.stop()
        await self.sweeper.stop()
        await self.scheduler.stop()
        await self.in_flight.drain(grace)
        await self.services.close()
        await self.bot.session.close()


async def build_services(
    settings: Settings,
    *,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
) -> Services:
    """Storage, providers and domain services: everything but Telegram. Tests and benches
    may replace the configured text or image models with one generator of their own."""
    clients = build_clients(settings)
    lineup = build_lineup(
        settings.text_models,
        settings.image_models,
        clients,
        PriceList.load(settings.prices_file),
        settings.resilience,
        text_fallback_to_local=settings.text_fallback_to_local,
    )
    logger.info(
        "text models: %s; image models: %s",
        " > ".join(lineup.text.names),
        " > ".join(lineup.image.names),
    )
    if text_generator is not None:
        lineup = replace(lineup, text=TextChain([_entry(text_generator, settings.text_timeout)]))
    if image_generator is not None:
        image = ImageChain([_entry(image_generator, settings.image_timeout)])
        lineup = replace(lineup, image=image)
    db = Database(settings.sqlite_path)
    await db.connect()
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    rates: RateStore = RedisRates(redis) if redis is not None else MemoryRates()
    ttl = settings.leader_lease_seconds
    lease = RedisLease(redis, ttl=ttl) if redis is not None else LocalLease(ttl)
    lock_ttl = math.ceil(settings.generation_timeout + settings.sweep_margin)
    locks: UserLocks = (
        # A crashed run's lock expires by the time the sweep refunds its hold.
        RedisUserLocks(redis, ttl_seconds=lock_ttl) if redis is not None else MemoryUserLocks()
    )
    accounts = AccountRepo(db)
    ledger = Ledger(LedgerRepo(db), pro_monthly_tokens=settings.pro_monthly_tokens)
    posts = PostRepo(db)
    studio = StudioService(
        db=db,
        ledger=ledger,
        accounts=accounts,
        posts=posts,
        text_chain=lineup.text,
        image_chain=lineup.image,
        prompt_chain=lineup.prompts,
        media=MediaStore(settings.media_dir),
        locks=locks,
        cost=settings.post_cost_tokens,
        timeout=settings.generation_timeout,
    )
    cosmic = CosmicService(
        db=db,
        images=ImageRepo(db),
        usage=UsageRepo(db),
        image_chain=lineup.image,
        cache=RedisImageCache(redis) if redis is not None else MemoryImageCache(),
        media=MediaStore(settings.media_dir),
        locks=locks,
        clock=Clock(ZoneInfo(settings.bot_timezone)),
        timeout=settings.generation_timeout,
    )
    prices = Prices(
        settings.cosmic_price_stars,
        settings.universe_price_stars,
        settings.token_pack_stars,
        settings.token_pack_size,
    )
    payments = PaymentService(PaymentRepo(db), ledger, accounts, prices)
    rules = GrowthRules(settings.viral_shares, settings.reward_shares, settings.reward_days)
    events = EventRepo(db)
    analytics = Analytics(
        events, ReferralRepo(db), cosmic.images, ledger, accounts, cosmic.clock, rules
    )
    admin = ReportRepo(db)
    cards = CardService(CardRepo(db), MediaStore(settings.media_dir))
    schedules = ScheduleRepo(db)
    batch = NightlyBatch(
        cosmic, lineup.horoscopes, schedules, concurrency=settings.batch_concurrency
    )
    broadcaster = Broadcaster(
        schedules, rate=settings.broadcast_rate, paid=settings.allow_paid_broadcast, rates=rates
    )
    sweep = Sweep(
        db,
        ledger,
        cosmic.usage,
        WorkRepo(db),
        deadline=settings.generation_timeout,
        margin=settings.sweep_margin,
        on_hold_swept=keep_interrupted,
    )
    return Services(
        db=db,
        accounts=accounts,
        ledger=ledger,
        posts=posts,
        studio=studio,
        cosmic=cosmic,
        payments=payments,
        analytics=analytics,
        cards=cards,
        schedules=schedules,
        batch=batch,
        reports=Reports(admin, events, cosmic.clock),
        costs=CostReport(admin),
        stats=Stats(admin, events, cosmic.clock),
        broadcaster=broadcaster,
        sweep=sweep,
        lineup=lineup,
        clients=clients,
        redis=redis,
        rates=rates,
        lease=lease,
    )


def _entry(generator: Any, timeout: float) -> ChainEntry[Any]:
    """A generator handed in by a test or bench: a timeout, nothing else in its way."""
    name = f"{getattr(generator, 'provider', 'custom')}:{getattr(generator, 'model', '?')}"
    unlimited = asyncio.Semaphore(1_000_000)
    return ChainEntry(generator, Guard(name, timeout, RetryPolicy(attempts=1), slots=unlimited))


def build_clients(settings: Settings) -> Clients:
    """SDK clients for the providers that have credentials. They never retry on their own
    (the Guard does) and honour the base URLs of gateways and proxies."""
    backstop = max(settings.text_timeout, settings.image_timeout) + 5
    http_options = genai_types.HttpOptions(timeout=int(backstop * 1000))
    openai_client = google_client = vertex_client = None
    if settings.openai_api_key:
        openai_client = AsyncOpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=backstop,
        )
    if settings.google_api_key:
        google_client = genai.Client(
            vertexai=False,
            api_key=settings.google_api_key.get_secret_value(),
            http_options=http_options.model_copy(
                update={"base_url": settings.google_gemini_base_url}
            ),
        )
    vertex_options = http_options.model_copy(update={"base_url": settings.google_vertex_base_url})
    if settings.google_vertex_api_key:  # Vertex AI express mode
        vertex_client = genai.Client(
            vertexai=True,
            api_key=settings.google_vertex_api_key.get_secret_value(),
            http_options=vertex_options,
        )
    elif settings.google_cloud_project:  # Application Default Credentials
        vertex_client = genai.Client(
            vertexai=True,
            project=settings.google_cloud_project,
            location=settings.google_cloud_location,
            http_options=vertex_options,
        )
    return Clients(openai=openai_client, google=google_client, vertex=vertex_client)


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
        ledger=services.ledger,
        studio=services.studio,
        cosmic=services.cosmic,
        gallery=GalleryService(services.cosmic.images, services.cosmic.media),
        subscriptions=SubscriptionService(
            services.schedules, services.accounts, services.cosmic.clock
        ),
        profile=ProfileService(services.accounts),
        admin=AdminService(services.schedules),
        payments=services.payments,
        analytics=services.analytics,
        cards=services.cards,
        batch=services.batch,
        reports=services.reports,
        broadcaster=services.broadcaster,
        sweep=services.sweep,
        costs=services.costs,
        stats=services.stats,
        admin_ids=settings.admin_ids,
    )
    in_flight = InFlightMiddleware()
    dispatcher.update.outer_middleware(in_flight)
    flood = FloodMiddleware(
        services.rates,
        i18n,
        services.accounts,
        rate=settings.flood_rate,
        burst=settings.flood_burst,
        exempt=settings.admin_ids,
    )
    dispatcher.update.outer_middleware(flood)
    dispatcher.update.outer_middleware(AccountMiddleware(services.accounts))
    AccountI18nMiddleware(i18n).setup(dispatcher)
    dispatcher.include_router(setup_routers())
    bot = build_bot(settings, session)
    push = DailyPush(bot, i18n, services.cosmic, services.schedules, services.broadcaster)
    jobs = build_jobs(
        bot=bot,
        i18n=i18n,
        locale=settings.default_locale,
        batch=services.batch,
        push=push,
        reports=services.reports,
        cosmic=services.cosmic,
        cards=services.cards.cards,
        ledger=services.ledger,
        admin_ids=settings.admin_ids,
    )
    scheduler = Scheduler(jobs, services.schedules, settings.bot_timezone)
    sweeper = Sweeper(
        bot,
        i18n,
        services.sweep,
        interval=settings.sweep_interval,
        post_cost=settings.post_cost_tokens,
    )
    duties: list[Duty] = [sweeper, scheduler] if settings.scheduler_enabled else [sweeper]
    leadership = Leadership(services.lease, duties)
    app = App(
        settings=settings,
        bot=bot,
        dispatcher=dispatcher,
        services=services,
        i18n=i18n,
        in_flight=in_flight,
        scheduler=scheduler,
        push=push,
        sweeper=sweeper,
        leadership=leadership,
    )
    dispatcher.startup.register(_on_startup(app))
    dispatcher.shutdown.register(leadership.stop)
    return app


def _on_startup(app: App) -> Callable[[Bot], Awaitable[None]]:
    async def on_startup(bot: Bot) -> None:
        # The sweeper (in every mode) and the scheduler run in the leader only.
        assert app.leadership is not None
        await app.leadership.start()
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
    ("daily", _noop("Today's cosmic energy")),
    ("match", _noop("Compatibility art")),
    ("moon", _noop("Moon ritual")),
    ("avatar", _noop("Zodiac avatar")),
    ("gallery", _noop("Your images")),
    ("usage", _noop("Your plan and this week's images")),
    ("plan", _noop("Plans and payments")),
    ("subscribe", _noop("Daily image of your sign")),
    ("studio", _noop("Create a viral post (PRO)")),
    ("balance", _noop("Your PRO tokens")),
    ("language", _noop("Change the language")),
    ("cancel", _noop("Leave the current step")),
    ("help", _noop("All commands")),
)
