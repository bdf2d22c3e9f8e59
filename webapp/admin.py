"""Seed 003's admin endpoints: the daily batch on demand, the cost report (with the image
cache's hit rate and the daily series of its chart) and the dashboard of today's and this
week's figures (the images with their pictures). ADMIN_IDS only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from services.cosmic.gallery import GalleryService
from webapp.deps import (
    AdminDep,
    BatchDep,
    CosmicDep,
    CostsDep,
    GalleryDep,
    ReportsDep,
    SignerDep,
    StatsDep,
)
from webapp.errors import ADMIN, COMMON
from webapp.signing import MediaSigner

admin_router = APIRouter(prefix="/images/admin", tags=["admin"], responses={**COMMON, **ADMIN})


class Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class BatchIn(BaseModel):
    date: dt.date | None = None
    """The date to prepare (default: the upcoming one, as the nightly run)."""


class BatchOut(Camel):
    date: str
    success: int
    cached: int
    failed: int
    horoscopes: int
    cost_usd: float
    seconds: float
    failures: list[str]


@admin_router.post("/batch-generate", response_model_by_alias=True)
async def batch_generate(body: BatchIn, who: AdminDep, batch: BatchDep) -> BatchOut:
    """Paints the twelve signs' shared images of a date (those cached are kept)."""
    report = await batch.run(body.date)
    return BatchOut(
        date=report.day,
        success=report.success,
        cached=report.cached,
        failed=report.failed,
        horoscopes=report.horoscopes,
        cost_usd=round(report.cost_usd, 6),
        seconds=round(report.seconds, 3),
        failures=report.failures,
    )


class ModelCost(Camel):
    kind: str
    provider: str
    model: str
    calls: int
    succeeded: int
    cost_usd: float


class CacheStats(Camel):
    hits: int
    misses: int
    hit_rate: float
    """hits / (hits + misses), 0 when nothing was asked yet."""


class DayCost(Camel):
    date: dt.date
    cost_usd: float
    calls: int
    """Model calls (text, prompt and image) that day."""


class CostReportOut(Camel):
    days: int
    total_cost: float
    total_calls: int
    succeeded: int
    by_model: list[ModelCost]
    cache_stats: CacheStats
    daily: list[DayCost] = Field(default_factory=list)
    """Per calendar day in the bot's time zone, the oldest first, today last (the chart)."""


@admin_router.get("/cost-report", response_model_by_alias=True)
async def cost_report(
    who: AdminDep,
    costs: CostsDep,
    cosmic: CosmicDep,
    reports: ReportsDep,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> CostReportOut:
    summary = await costs.summary(days)
    hits, misses = await cosmic.cache_stats()
    asked = hits + misses
    return CostReportOut(
        days=days,
        total_cost=round(summary.cost_usd, 6),
        total_calls=summary.calls,
        succeeded=summary.succeeded,
        by_model=[
            ModelCost(
                kind=row.kind,
                provider=row.provider,
                model=row.model,
                calls=row.calls,
                succeeded=row.succeeded,
                cost_usd=round(row.cost_usd, 6),
            )
            for row in summary.by_model
        ],
        cache_stats=CacheStats(
            hits=hits, misses=misses, hit_rate=round(hits / asked, 4) if asked else 0.0
        ),
        daily=[
            DayCost(date=day, cost_usd=round(cost, 6), calls=calls)
            for day, cost, calls in await reports.daily(days)
        ],
    )


class ImageShares(Camel):
    image_id: int
    shares: int
    thumb_url: str | None = None
    """A small JPEG of the picture (a signed /media URL), unless its owner deleted it."""


class StatsOut(Camel):
    images_today: int
    shares_today: int
    downloads_today: int
    cost_today: float
    viral_week: list[ImageShares]
    top_week: list[ImageShares]
    categories_week: dict[str, int] = Field(default_factory=dict)


@admin_router.get("/stats", response_model_by_alias=True)
async def stats(
    who: AdminDep, figures: StatsDep, gallery: GalleryDep, signer: SignerDep
) -> StatsOut:
    """Today: images, shares, downloads, cost; this week: viral and most shared images."""
    board = await figures.dashboard()
    return StatsOut(
        images_today=board.images_today,
        shares_today=board.shares_today,
        downloads_today=board.downloads_today,
        cost_today=round(board.cost_today, 6),
        viral_week=[await _shares(gallery, signer, i, n) for i, n in board.viral_week],
        top_week=[await _shares(gallery, signer, i, n) for i, n in board.top_week],
        categories_week=board.categories_week,
    )


async def _shares(
    gallery: GalleryService, signer: MediaSigner, image_id: int, shares: int
) -> ImageShares:
    """One image of the dashboard's lists, with its picture signed for its owner (the
    admin sees it; the owner's own URLs are no different)."""
    image = await gallery.still_kept(image_id)
    if image is None:
        return ImageShares(image_id=image_id, shares=shares)
    url = signer.thumb_url(image.user_id, image_id)
    return ImageShares(image_id=image_id, shares=shares, thumb_url=url)
