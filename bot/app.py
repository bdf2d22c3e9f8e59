"""The one place that wires everything: the domain services (bot/domain.py), then the bot,
the dispatcher, the job queue and its jobs, the scheduler and the leadership."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain import Services, build_services
from bot.duties.leadership import Duty, Leadership
from bot.duties.pushes import DailyPush
from bot.duties.scheduled import ScheduledWork, build_jobs
from bot.duties.scheduler import Scheduler
from bot.duties.sweeper import Sweeper
from bot.jobs.broker import JobQueue, build_broker
from bot.jobs.runner import JobRunner, register_jobs
from bot.shared_state import open_connections
from bot.telegram.dispatcher import build_dispatcher
from bot.telegram.lifecycle import on_startup
from bot.telegram.middlewares import InFlightMiddleware
from bot.telegram.session import build_bot
from bot.telegram.throttling import FloodMiddleware
from bot.warmup import warm_up
from handlers import setup_routers
from services.core.profile import ProfileService
from services.cosmic.gallery import GalleryService
from services.cosmic.subscriptions import SubscriptionService
from services.generation.base import ImageGenerator
from services.infra.media import MediaStore
from services.infra.redis_pool import IdleDropper, ShrinkingPool
from services.studio.models import TextGenerator
from services.studio.post_actions import PostActions
from ui.common.drafts import DraftPace
from webapp.app_actions import AppActions
from webapp.app_posts import AppPosts
from webapp.signing import MediaSigner

logger = logging.getLogger(__name__)
OPEN_SECONDS = 5.0
"""How long a process waits at start for its pools to open (a Redis or a PostgreSQL that
does not answer would otherwise hold the start for the system's connect timeout)."""

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


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
    app_actions: AppActions
    """The Mini App's actions on a delivered post (started by webapp/post_actions.py, made
    by a job)."""
    leadership: Leadership | None = None
    idle_drop: IdleDropper = field(default_factory=lambda: IdleDropper([]))
    """Closes the Redis connections that have sat idle (services/infra/redis_pool.py)."""

    async def open_connections(self) -> None:
        """For a serving process, before its first update or job: the database's and
        Redis's pools (the shared state's, the queue's) open `DATABASE_POOL_SIZE`
        connections now. On cold pools the first burst waited ~30 ms for the handshakes
        (bench/post_latency --worker, 10 presses at once)."""
        count = self.settings.database_pool_size
        redis = self.services.shared.redis
        pools = [p for p in (redis and redis.connection_pool, self.queue.redis_pool) if p]
        opening = [self.services.db.open_pool(), *(open_connections(p, count) for p in pools)]
        try:
            async with asyncio.timeout(OPEN_SECONDS):
                results = await asyncio.gather(*opening, return_exceptions=True)
        except TimeoutError:
            results = [TimeoutError(f"no answer within {OPEN_SECONDS} s")]
        for error in results:  # then they open on demand, as before
            if isinstance(error, Exception):
                logger.warning("a connection pool could not be opened at start: %r", error)

    async def close(self, grace: float = 30.0) -> None:
        """Lets updates in flight finish (up to `grace` seconds), then releases everything."""
        if self.leadership is not None:
            await self.leadership.stop()
        await self.sweeper.stop()
        await self.scheduler.stop()
        await self.in_flight.drain(grace)
        await self.queue.close(grace)
        await self.idle_drop.stop()
        await self.services.close()  # the incarnation marked stopped: what is left is orphaned
        await self.bot.session.close()


async def build_app(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
    role: str = "run",
    migrate: bool = True,
) -> App:
    """The app of a process that takes work (`role`: run, web or worker), its incarnation
    registered and beating."""
    services = await build_services(
        settings,
        text_generator=text_generator,
        image_generator=image_generator,
        role=role,
        migrate=migrate,
    )
    warm_up()  # once per process: before its first update or job, not during them
    try:
        app = _assemble(settings, services, session)
        await services.owners.start()
        app.idle_drop.start()
    except BaseException:
        await services.close()
        raise
    return app


def _assemble(settings: Settings, services: Services, session: BaseSession | None) -> App:
    i18n = I18n(path=LOCALES_DIR, default_locale=settings.default_locale, domain="messages")
    queue = JobQueue(build_broker(settings, services.owners))
    queue.keep(services.journal, services.sweep)
    if queue.in_process:  # a dead incarnation's jobs are taken over within a beat
        services.owners.on_beat(queue.resume)
    dispatcher, in_flight = _dispatcher(settings, services, i18n, queue)
    bot = build_bot(settings, session)
    push = DailyPush(
        bot,
        i18n,
        services.cosmic,
        services.subscriptions,
        services.horoscopes,
        services.broadcaster,
        services.shared.key_locks,
    )
    app_posts = AppPosts(
        services.studio,
        services.shared.board,
        MediaSigner(bot.token, settings.media_url_ttl),
        i18n,
        stale_after=settings.generation_timeout + settings.sweep_margin,
    )
    app_actions = _app_actions(settings, services, app_posts.signer, i18n)
    scheduler = _jobs(
        settings, services, bot, i18n, dispatcher, queue, push, app_posts, app_actions
    )
    sweeper = Sweeper(
        bot,
        i18n,
        services.sweep,
        interval=settings.sweep_interval,
        post_cost=services.studio.cost,
        resume=queue.resume,
    )
    duties: list[Duty] = [sweeper, scheduler] if settings.scheduler_enabled else [sweeper]
    leadership = Leadership(services.shared.lease, duties)
    # Each start of a period or a sweep asks the lease first, not only every third of it.
    scheduler.still_leading = sweeper.still_leading = leadership.confirm
    dispatcher.startup.register(on_startup(leadership, i18n, settings.webapp_url))
    dispatcher.shutdown.register(leadership.stop)
    return App(
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
        app_actions=app_actions,
        leadership=leadership,
        idle_drop=IdleDropper(_redis_pools(services, queue)),
    )


def _app_actions(
    settings: Settings, services: Services, signer: MediaSigner, i18n: I18n
) -> AppActions:
    board = services.shared.board
    actions = PostActions(
        studio=services.studio,
        variants=services.variants,
        editing=services.editing,
        four_k=services.four_k,
        board=board,
        media=MediaStore(settings.media_dir),
    )
    return AppActions(
        actions,
        variants=services.variants,
        editing=services.editing,
        four_k=services.four_k,
        board=board,
        signer=signer,
        i18n=i18n,
    )


def _redis_pools(services: Services, queue: JobQueue) -> list[ShrinkingPool]:
    redis = services.shared.redis
    pools = [redis and redis.connection_pool, queue.redis_pool]
    return [pool for pool in pools if isinstance(pool, ShrinkingPool)]


def _dispatcher(
    settings: Settings, services: Services, i18n: I18n, queue: JobQueue
) -> tuple[Dispatcher, InFlightMiddleware]:
    """The dispatcher with every router, and the services the handlers get by name."""
    flood = FloodMiddleware(
        services.shared.rates,
        i18n,
        services.accounts,
        rate=settings.flood_rate,
        burst=settings.flood_burst,
        exempt=settings.admin_ids,
    )
    dispatcher, in_flight = build_dispatcher(
        services.shared.redis,
        services.accounts,
        i18n,
        flood,
        ledger=services.ledger,
        studio=services.studio,
        variants=services.variants,
        editing=services.editing,
        four_k=services.four_k,
        cosmic=services.cosmic,
        art_editing=services.art_editing,
        gallery=GalleryService(services.cosmic.images, services.cosmic.media),
        subscriptions=SubscriptionService(
            services.subscriptions, services.accounts, services.cosmic.clock
        ),
        profile=ProfileService(services.accounts),
        admin=services.admin,
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
    return dispatcher, in_flight


def _jobs(
    settings: Settings,
    services: Services,
    bot: Bot,
    i18n: I18n,
    dispatcher: Dispatcher,
    queue: JobQueue,
    push: DailyPush,
    app_posts: AppPosts,
    app_actions: AppActions,
) -> Scheduler:
    """Every kind of job registered on the queue; the scheduler that queues the long ones."""
    jobs, queued_work = build_jobs(
        ScheduledWork(
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
    )
    runner = JobRunner(
        bot=bot,
        i18n=i18n,
        storage=dispatcher.fsm.storage,
        studio=services.studio,
        cosmic=services.cosmic,
        app_posts=app_posts,
        admin=services.admin,
        broadcaster=services.broadcaster,
        batch=services.batch,
        scheduled=queued_work,
        four_k=services.four_k,
        app_url=settings.webapp_url,
        more_pictures=services.variants,
        pace=DraftPace(services.shared.rates, settings.draft_rate, settings.draft_interval),
        editing=services.editing,
        art_editing=services.art_editing,
        app_actions=app_actions,
    )
    register_jobs(queue, runner)
    return Scheduler(
        jobs, services.runs, settings.bot_timezone, claim_seconds=settings.duty_claim_seconds
    )
