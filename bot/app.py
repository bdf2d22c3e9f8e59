"""The one place that wires settings, storage, providers, services, bot and dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.dispatcher import build_dispatcher
from bot.jobs import build_jobs
from bot.leadership import Duty, Leadership
from bot.lifecycle import on_startup
from bot.lineup import Lineup, build_clients, configured_lineup
from bot.middlewares import InFlightMiddleware
from bot.pushes import DailyPush
from bot.queue import JobQueue, build_broker
from bot.scheduler import Scheduler
from bot.shared_state import SharedState, connect_shared_state
from bot.sweeper import Sweeper, build_sweep
from bot.tasks import JobRunner, register_jobs
from bot.telegram import build_bot
from bot.throttling import FloodMiddleware
from bot.warmup import warm_up
from handlers import setup_routers
from services.admin.costs import CostReport
from services.admin.repo import ReportRepo
from services.admin.reports import Reports
from services.admin.service import AdminService
from services.admin.stats import Stats
from services.core.accounts import AccountRepo
from services.core.broadcast import Broadcaster
from services.core.db import Database
from services.core.images import ImageRepo
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.core.media import MediaStore
from services.core.payments import PaymentService
from services.core.payments_repo import PaymentRepo
from services.core.profile import ProfileService
from services.core.schedules import ScheduleRepo
from services.core.sweep import Sweep
from services.core.thumbnails import Thumbnails
from services.core.tiers import Clock
from services.core.usage import UsageRepo
from services.cosmic.batch import NightlyBatch
from services.cosmic.gallery import GalleryService
from services.cosmic.service import CosmicService
from services.cosmic.subscriptions import SubscriptionService
from services.generation.base import ImageGenerator
from services.generation.lineup import Clients
from services.sharing.analytics import Analytics, GrowthRules
from services.sharing.repo import CardRepo, EventRepo, ReferralRepo
from services.sharing.service import CardService
from services.studio.models import TextGenerator
from services.studio.repo import PostRepo
from services.studio.service import StudioService
from webapp.post_job import AppPosts
from webapp.signing import MediaSigner

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


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
    thumbnails: Thumbnails
    shared: SharedState = field(default_factory=SharedState)

    async def close(self) -> None:
        await self.db.close()
        await self.clients.aclose()
        await self.shared.close()


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
    queue: JobQueue
    app_posts: AppPosts
    """The Mini App's studio posts (queued by webapp/pro.py, made by a job)."""
    leadership: Leadership | None = None

    async def close(self, grace: float = 30.0) -> None:
        """Lets updates in flight finish (up to `grace` seconds), then releases everything."""
        if self.leadership is not None:
            await self.leadership.stop()
        await self.sweeper.stop()
        await self.scheduler.stop()
        await self.in_flight.drain(grace)
        await self.queue.close(grace)
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
    lineup = configured_lineup(settings, clients, text_generator, image_generator)
    db = Database(settings.database_url, **settings.database_options)
    await db.connect()
    shared = connect_shared_state(settings)
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
        locks=shared.locks,
        cost=settings.post_cost_tokens,
        timeout=settings.generation_timeout,
    )
    cosmic = CosmicService(
        db=db,
        images=ImageRepo(db),
        usage=UsageRepo(db),
        image_chain=lineup.image,
        cache=shared.images,
        media=MediaStore(settings.media_dir),
        locks=shared.locks,
        clock=Clock(ZoneInfo(settings.bot_timezone)),
        timeout=settings.generation_timeout,
    )
    payments = PaymentService(PaymentRepo(db), ledger, accounts, settings.prices)
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
        schedules,
        rate=settings.broadcast_rate,
        paid=settings.allow_paid_broadcast,
        rates=shared.rates,
    )
    sweep = build_sweep(settings, db, ledger, cosmic.usage)
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
        thumbnails=Thumbnails(MediaStore(settings.media_dir)),
        shared=shared,
    )


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
    warm_up()  # once per process: before its first update or job, not during them
    try:
        return _assemble(settings, services, session)
    except BaseException:
        await services.close()
        raise


def _assemble(settings: Settings, services: Services, session: BaseSession | None) -> App:
    i18n = I18n(path=LOCALES_DIR, default_locale=settings.default_locale, domain="messages")
    flood = FloodMiddleware(
        services.shared.rates,
        i18n,
        services.accounts,
        rate=settings.flood_rate,
        burst=settings.flood_burst,
        exempt=settings.admin_ids,
    )
    queue = JobQueue(build_broker(settings))
    dispatcher, in_flight = build_dispatcher(
        services.shared.redis,
        services.accounts,
        i18n,
        flood,
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
        jobs=queue,
        webapp_url=settings.webapp_url,
    )
    dispatcher.include_router(setup_routers())
    bot = build_bot(settings, session)
    studio, cosmic = services.studio, services.cosmic
    storage = dispatcher.fsm.storage
    push = DailyPush(bot, i18n, services.cosmic, services.schedules, services.broadcaster)
    jobs, queued_work = build_jobs(
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
        queue=queue,
    )
    app_posts = AppPosts(
        studio,
        services.shared.board,
        MediaSigner(bot.token, settings.media_url_ttl),
        i18n,
        stale_after=settings.generation_timeout + settings.sweep_margin,
    )
    runner = JobRunner(
        bot=bot,
        i18n=i18n,
        storage=storage,
        studio=studio,
        cosmic=cosmic,
        app_posts=app_posts,
        admin=AdminService(services.schedules),
        broadcaster=services.broadcaster,
        batch=services.batch,
        scheduled=queued_work,
        app_url=settings.webapp_url,
    )
    register_jobs(queue, runner)
    scheduler = Scheduler(jobs, services.schedules, settings.bot_timezone)
    sweeper = Sweeper(
        bot,
        i18n,
        services.sweep,
        interval=settings.sweep_interval,
        post_cost=settings.post_cost_tokens,
    )
    duties: list[Duty] = [sweeper, scheduler] if settings.scheduler_enabled else [sweeper]
    leadership = Leadership(services.shared.lease, duties)
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
        queue=queue,
        app_posts=app_posts,
        leadership=leadership,
    )
    dispatcher.startup.register(on_startup(app))
    dispatcher.shutdown.register(leadership.stop)
    return app
