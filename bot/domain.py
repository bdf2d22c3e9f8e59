"""The storage, the providers and the domain services, wired from the settings:
everything but Telegram. bot/app.py adds the bot, the dispatcher, the queue and the jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.providers import Lineup, build_clients, configured_lineup
from bot.shared_state import SharedState, connect_shared_state
from services.admin.audience_repo import AudienceRepo
from services.admin.audit_repo import AuditRepo
from services.admin.costs import CostReport
from services.admin.report_repo import ReportRepo
from services.admin.reports import Reports
from services.admin.service import AdminService
from services.admin.stats import Stats
from services.core.account_repo import AccountRepo
from services.core.broadcast import Broadcaster
from services.core.delivery_repo import DeliveryRepo
from services.core.image_repo import ImageRepo
from services.core.incarnation_repo import IncarnationRepo
from services.core.job_journal import JobJournal
from services.core.ledger import Ledger
from services.core.ledger_repo import LedgerRepo
from services.core.owners import Owners
from services.core.payment_repo import PaymentRepo
from services.core.payments import PaymentService
from services.core.run_repo import RunRepo
from services.core.sweep import Sweep
from services.core.usage_repo import UsageRepo
from services.core.work_repo import WorkRepo
from services.cosmic.batch import NightlyBatch
from services.cosmic.editing import ArtEditing
from services.cosmic.horoscope_repo import HoroscopeRepo
from services.cosmic.service import CosmicService
from services.cosmic.subscription_repo import SubscriptionRepo
from services.generation.base import ImageGenerator
from services.generation.lineup import Clients
from services.generation.pricing import TokenPrices
from services.infra.clock import Clock
from services.infra.db import Database
from services.infra.media import MediaStore
from services.sharing.analytics import Analytics, GrowthRules
from services.sharing.card_repo import CardRepo
from services.sharing.event_repo import EventRepo
from services.sharing.referral_repo import ReferralRepo
from services.sharing.service import CardService
from services.studio.editing import PictureEditing
from services.studio.four_k import FourKService
from services.studio.interrupted import keep_interrupted
from services.studio.models import TextGenerator
from services.studio.post_repo import PostRepo
from services.studio.service import StudioService
from services.studio.variants import Variants


@dataclass
class Services:
    db: Database
    accounts: AccountRepo
    ledger: Ledger
    posts: PostRepo
    studio: StudioService
    editing: PictureEditing
    """Edits of a delivered post's picture in words (services/studio/editing.py)."""
    four_k: FourKService
    """A delivered post's picture at 4K."""
    cosmic: CosmicService
    art_editing: ArtEditing
    """Edits of a Cosmic Coach image in words (services/cosmic/editing.py)."""
    payments: PaymentService
    analytics: Analytics
    cards: CardService
    subscriptions: SubscriptionRepo
    horoscopes: HoroscopeRepo
    runs: RunRepo
    admin: AdminService
    batch: NightlyBatch
    reports: Reports
    costs: CostReport
    stats: Stats
    broadcaster: Broadcaster
    sweep: Sweep
    lineup: Lineup
    clients: Clients
    owners: Owners
    """This process's incarnation and its heartbeat (started by bot/app.py)."""
    journal: JobJournal
    """Where the in-process queue writes its jobs down (bot/jobs/broker.py)."""
    variants: Variants
    """More pictures for a delivered post (services/studio/variants.py)."""
    shared: SharedState = field(default_factory=SharedState)

    async def close(self) -> None:
        await self.owners.stop()
        await self.db.close()
        await self.clients.aclose()
        await self.shared.close()


async def build_services(
    settings: Settings,
    *,
    text_generator: TextGenerator | None = None,
    image_generator: ImageGenerator | None = None,
    role: str = "run",
    migrate: bool = True,
) -> Services:
    """Storage, providers and domain services: everything but Telegram. Tests and benches
    may replace the configured text or image models with one generator of their own.
    `role` names the process's incarnation (run, web, worker); `migrate`: False leaves the
    schema as it is (a worker checked it: bot/startup.py)."""
    clients = build_clients(settings)
    lineup = configured_lineup(settings, clients, text_generator, image_generator)
    db = Database(settings.database_url, **settings.database_options, migrate=migrate)
    await db.connect()
    owners = Owners(
        IncarnationRepo(db),
        role,
        timeout=settings.owner_timeout,
        interval=settings.heartbeat_seconds,
        owns_queued_work=not settings.redis_url,  # on Redis, the worker that starts a job
    )
    shared = connect_shared_state(settings, owners.id)
    accounts = AccountRepo(db)
    ledger_repo = LedgerRepo(db, lambda: owners.holder)
    ledger = Ledger(ledger_repo, pro_monthly_tokens=settings.pro_monthly_tokens)
    posts = PostRepo(db)
    tokens = settings.token_prices
    studio = _studio(settings, tokens, db, ledger, accounts, posts, lineup, shared)
    cosmic = _cosmic(settings, db, lineup, shared, UsageRepo(db, lambda: owners.holder))
    rules = GrowthRules(settings.viral_shares, settings.reward_shares, settings.reward_days)
    events, admin = EventRepo(db), ReportRepo(db)
    analytics = Analytics(
        events, ReferralRepo(db), cosmic.images, ledger, accounts, cosmic.clock, rules
    )
    subscriptions, horoscopes = SubscriptionRepo(db), HoroscopeRepo(db)
    concurrency = settings.batch_concurrency
    batch = NightlyBatch(
        cosmic, lineup.horoscopes, subscriptions, horoscopes, concurrency=concurrency
    )
    return Services(
        db=db,
        accounts=accounts,
        ledger=ledger,
        posts=posts,
        studio=studio,
        editing=_editing(settings, tokens.edit, db, ledger, accounts, posts, lineup, shared),
        four_k=_four_k(settings, tokens.four_k, db, ledger, accounts, lineup, shared),
        cosmic=cosmic,
        art_editing=ArtEditing(cosmic, lineup.edits),
        payments=PaymentService(PaymentRepo(db), ledger, accounts, settings.prices),
        analytics=analytics,
        cards=CardService(CardRepo(db), MediaStore(settings.media_dir)),
        subscriptions=subscriptions,
        horoscopes=horoscopes,
        runs=RunRepo(db),
        admin=AdminService(AudienceRepo(db), AuditRepo(db)),
        batch=batch,
        reports=Reports(admin, events, cosmic.clock),
        costs=CostReport(admin),
        stats=Stats(admin, events, cosmic.clock),
        broadcaster=_broadcaster(settings, db, shared),
        sweep=build_sweep(settings, db, ledger, cosmic.usage, owners),
        lineup=lineup,
        clients=clients,
        owners=owners,
        journal=JobJournal(db, owners, timeout=settings.generation_timeout),
        variants=Variants(
            db=db,
            ledger=ledger,
            posts=posts,
            image_chain=lineup.image,
            media=MediaStore(settings.media_dir),
            locks=shared.locks,
            price_each=tokens.variant,
            count=settings.variant_count,
            timeout=settings.generation_timeout,
        ),
        shared=shared,
    )


def _studio(
    settings: Settings,
    tokens: TokenPrices,
    db: Database,
    ledger: Ledger,
    accounts: AccountRepo,
    posts: PostRepo,
    lineup: Lineup,
    shared: SharedState,
) -> StudioService:
    return StudioService(
        db=db,
        ledger=ledger,
        accounts=accounts,
        posts=posts,
        text_chain=lineup.text,
        image_chain=lineup.image,
        prompt_chain=lineup.prompts,
        media=MediaStore(settings.media_dir),
        locks=shared.locks,
        cost=tokens.post,
        timeout=settings.generation_timeout,
        stops=shared.stops,
        rewrite_cost=tokens.rewrite,
    )


def _editing(
    settings: Settings,
    cost: int,
    db: Database,
    ledger: Ledger,
    accounts: AccountRepo,
    posts: PostRepo,
    lineup: Lineup,
    shared: SharedState,
) -> PictureEditing:
    return PictureEditing(
        db=db,
        ledger=ledger,
        accounts=accounts,
        posts=posts,
        edit_chain=lineup.edits,
        media=MediaStore(settings.media_dir),
        locks=shared.locks,
        cost=cost,
        timeout=settings.generation_timeout,
    )


def _four_k(
    settings: Settings,
    cost: int,
    db: Database,
    ledger: Ledger,
    accounts: AccountRepo,
    lineup: Lineup,
    shared: SharedState,
) -> FourKService:
    return FourKService(
        db=db,
        ledger=ledger,
        accounts=accounts,
        media=MediaStore(settings.media_dir),
        locks=shared.key_locks,
        renderer=lineup.four_k.renderer,
        repainters=lineup.four_k.repainters,
        cost=cost,
        timeout=settings.generation_timeout,
        # A job that died lets go of its post's lock by the time the sweep refunds it.
        lock_seconds=settings.generation_timeout + settings.sweep_margin,
    )


def _cosmic(
    settings: Settings, db: Database, lineup: Lineup, shared: SharedState, usage: UsageRepo
) -> CosmicService:
    return CosmicService(
        db=db,
        images=ImageRepo(db),
        usage=usage,
        image_chain=lineup.image,
        cache=shared.images,
        media=MediaStore(settings.media_dir),
        locks=shared.locks,
        clock=Clock(ZoneInfo(settings.bot_timezone)),
        timeout=settings.generation_timeout,
        stops=shared.stops,
    )


def _broadcaster(settings: Settings, db: Database, shared: SharedState) -> Broadcaster:
    return Broadcaster(
        DeliveryRepo(db),
        rate=settings.broadcast_rate,
        paid=settings.allow_paid_broadcast,
        rates=shared.rates,
    )


def build_sweep(
    settings: Settings, db: Database, ledger: Ledger, usage: UsageRepo, owners: Owners
) -> Sweep:
    """The sweep of work whose owner died (services/core/sweep.py). An orphaned hold with no
    job left in the database is refunded once its owner has been silent OWNER_TIMEOUT and a
    grace as long again: time for a live process to take it over; on Redis the grace also
    covers JOB_REDELIVERY_SECONDS (the stream gives a dead worker's job to another). Holds
    nobody owns are refunded past GENERATION_TIMEOUT + SWEEP_MARGIN."""
    grace = settings.owner_timeout + (settings.redelivery_seconds if settings.redis_url else 0)
    return Sweep(
        db,
        ledger,
        usage,
        WorkRepo(db),
        deadline=settings.generation_timeout,
        margin=settings.sweep_margin,
        on_hold_swept=keep_interrupted,
        owners=owners,
        grace=grace,
    )
