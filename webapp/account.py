"""The caller: who they are and what they may do (/api/me), their plan and this week's use
(/api/images/usage/stats), Stars invoices for the Mini App, and its translated strings."""

from __future__ import annotations

from typing import Annotated

from aiogram.types import LabeledPrice
from aiogram.utils.i18n import gettext as _
from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.core.payments import CURRENCY, Product, payload_for
from services.core.plans import Tier
from services.cosmic.astro import SIGNS
from services.cosmic.kinds import KINDS
from services.cosmic.moon import PHASES, moon_on
from services.cosmic.tiers import POLICIES
from services.studio.catalog import UI_LANGUAGES, Audience, PostType
from services.studio.drafts import Action
from ui.common.texts import audience_label, language_label, post_type_label
from ui.cosmic.kinds import WORDING
from ui.cosmic.texts import product_description, product_title
from ui.cosmic.words import phase_name, sign_name
from webapp.deps import (
    BotDep,
    CallerDep,
    CosmicDep,
    DefaultLocaleDep,
    I18nDep,
    PaymentsDep,
    PostActionsDep,
    StudioDep,
)
from webapp.envelope import CamelModel, Envelope, ok
from webapp.errors import COMMON
from webapp.strings import COUNTED, STRINGS, counted_forms
from webapp.texts import speaking

account_router = APIRouter(tags=["account"], responses=COMMON)
usage_router = APIRouter(prefix="/images/usage", tags=["account"], responses=COMMON)
plan_router = APIRouter(prefix="/plan", tags=["account"], responses=COMMON)
strings_router = APIRouter(tags=["app"])


class Choice(BaseModel):
    value: str
    label: str


class KindOut(BaseModel):
    name: str
    label: str
    route: str
    """Where it is made: `POST` this path with the kind's request."""


class ActionCosts(BaseModel):
    """Tokens each action on a delivered post costs (as in the chat; 0: free)."""

    text: int
    pictures: int
    picture_count: int
    edit: int
    four_k: int


class Me(BaseModel):
    user_id: int
    first_name: str
    locale: str
    is_admin: bool
    is_pro: bool
    balance: int
    post_cost: int
    action_costs: ActionCosts
    tier: str
    sign: str | None
    referral_link: str | None
    post_types: list[Choice]
    audiences: list[Choice]
    languages: list[Choice]
    signs: list[Choice]
    moon_phases: list[Choice]
    moon_today: str
    kinds: list[KindOut]
    """Cosmic Coach's kinds, in menu order: what the Mini App's Cosmic tab offers."""


@account_router.get("/me")
async def me(
    who: CallerDep,
    studio: StudioDep,
    cosmic: CosmicDep,
    i18n: I18nDep,
    actions: PostActionsDep,
) -> Me:
    account = who.account
    with speaking(i18n, who.locale):
        return Me(
            user_id=who.user_id,
            first_name=who.first_name,
            locale=who.locale,
            is_admin=who.is_admin,
            is_pro=account.is_pro,
            balance=account.balance,
            post_cost=studio.cost,
            action_costs=ActionCosts(
                text=actions.price(Action.REWRITE),
                pictures=actions.price(Action.VARIANTS),
                picture_count=actions.picture_count,
                edit=actions.price(Action.EDIT),
                four_k=actions.price(Action.FOUR_K),
            ),
            tier=cosmic.tier_of(account).value,
            sign=account.sign,
            referral_link=account.referral_link,
            post_types=[Choice(value=t.value, label=post_type_label(t)) for t in PostType],
            audiences=[Choice(value=a.value, label=audience_label(a)) for a in Audience],
            languages=[Choice(value=c, label=language_label(c)) for c in studio.languages],
            signs=[Choice(value=s.key, label=f"{s.glyph} {sign_name(s.key)}") for s in SIGNS],
            moon_phases=[Choice(value=p.value, label=phase_name(p)) for p in PHASES],
            moon_today=moon_on(cosmic.clock.today()).phase.value,
            kinds=[
                KindOut(
                    name=kind.name, label=_(WORDING[kind.category].label), route=kind.web_route
                )
                for kind in KINDS
            ],
        )


class TierOut(CamelModel):
    tier: str
    weekly_limit: int | None
    """None: unlimited."""
    quality: str
    categories: list[str]


class PlanOut(CamelModel):
    product: str
    title: str
    description: str
    stars: int


class UsageStats(CamelModel):
    tier: str
    weekly_usage: int
    """Personal images made this week."""
    weekly_limit: int | None
    """None: unlimited (Universe)."""
    remaining: int | None
    """None: unlimited."""
    quality: str
    unlimited: bool
    expires_at: float | None
    """When a paid plan ends (Unix time), None when it does not."""
    resets_at: str
    """When this week's count starts again (ISO 8601)."""
    balance: int
    """PRO tokens."""
    is_pro: bool
    tiers: list[TierOut]
    plans: list[PlanOut]
    """What can be bought with Stars."""


@usage_router.get("/stats", tags=["images"])
async def usage_stats(
    who: CallerDep, cosmic: CosmicDep, payments: PaymentsDep, i18n: I18nDep
) -> Envelope[UsageStats]:
    """The plan, this week's personal images, PRO tokens, and what can be bought."""
    usage = await cosmic.usage_of(who.account)
    with speaking(i18n, who.locale):
        plans = [
            PlanOut(
                product=p.value,
                title=product_title(p, payments),
                description=product_description(p),
                stars=payments.prices.of(p),
            )
            for p in Product
        ]
    tiers = [
        TierOut(
            tier=t.value,
            weekly_limit=POLICIES[t].weekly_limit,
            quality=POLICIES[t].quality.value,
            categories=sorted(c.value for c in POLICIES[t].categories),
        )
        for t in Tier
    ]
    stats = UsageStats(
        tier=usage.tier.value,
        weekly_usage=usage.used,
        weekly_limit=usage.limit,
        remaining=usage.remaining,
        quality=usage.quality.value,
        unlimited=usage.limit is None,
        expires_at=usage.expires_at,
        resets_at=usage.resets_at.isoformat(),
        balance=who.account.balance,
        is_pro=who.account.is_pro,
        tiers=tiers,
        plans=plans,
    )
    return ok(stats)


class InvoiceIn(BaseModel):
    product: Product


class InvoiceOut(BaseModel):
    url: str


@plan_router.post("/invoice")
async def plan_invoice(
    body: InvoiceIn, who: CallerDep, payments: PaymentsDep, i18n: I18nDep, bot: BotDep
) -> InvoiceOut:
    """A Stars invoice link for Telegram.WebApp.openInvoice; the bot credits the payment
    when Telegram reports it (the same handler as the chat's invoices)."""
    with speaking(i18n, who.locale):
        title = product_title(body.product, payments)
        description = product_description(body.product)
    url = await bot.create_invoice_link(
        title=title,
        description=description,
        payload=payload_for(body.product, who.user_id),
        currency=CURRENCY,
        prices=[LabeledPrice(label=title, amount=payments.prices.of(body.product))],
    )
    return InvoiceOut(url=url)


class CountedOut(BaseModel):
    count: str
    """The placeholder whose number picks the form."""
    forms: dict[str, str]
    """The string in each plural category a whole number takes in the language."""


class StringsOut(BaseModel):
    locale: str
    strings: dict[str, str]
    counted: dict[str, CountedOut]


@strings_router.get("/i18n")
async def app_strings(
    i18n: I18nDep,
    default_locale: DefaultLocaleDep,
    lang: Annotated[str, Query(max_length=16)] = "en",
) -> StringsOut:
    """The Mini App's wording in `lang` (en, es, ru; others get English), from the same
    catalogues as the bot."""
    base = lang.split("-")[0].lower()
    locale = base if base in UI_LANGUAGES else default_locale
    gettext = i18n.gettext
    return StringsOut(
        locale=locale,
        strings={k: gettext(v, locale=locale) for k, v in STRINGS.items()},
        counted={
            k: CountedOut(count=v.count, forms=counted_forms(gettext, locale, v))
            for k, v in COUNTED.items()
        },
    )
