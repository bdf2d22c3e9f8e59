"""Seed 003's admin endpoints: the daily batch on demand, the cost report (with the image
cache's hit rate and the daily series of its chart) and the dashboard of today's and this
week's figures (the images with their pictures). ADMIN_IDS only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

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
from webapp.envelope import CamelModel, Envelope, ok
from webapp.errors import ADMIN, COMMON
from webapp.signing import MediaSigner

admin_router = APIRouter(prefix="/images/admin", tags=["admin"], responses={**COMMON, **ADMIN})


class BatchIn(BaseModel):
    date: dt.date | None = None
    """The date to prepare (default: the upcoming one, as the nightly run)."""


class BatchOut(CamelModel):
    date: str
    success: int
    cached: int
    failed: int
    horoscopes: int
    cost_usd: float
    seconds: float
    failures: list[str]


@admin_router.post("/batch-generate")
async def batch_generate(
    who: AdminDep, batch: BatchDep, body: BatchIn | None = None
) -> Envelope[BatchOut]:
    """Paints the twelve signs' shared images of a date (those cached are kept); no body
    (as seed 003 calls it) prepares the upcoming date, as the nightly run."""
    report = await batch.run(body.date if body is not None else None)
    return ok(
        BatchOut(
            date=report.day,
            success=report.success,
            cached=report.cached,
            failed=report.failed,
            horoscopes=report.horoscopes,
            cost_usd=round(report.cost_usd, 6),
            seconds=round(report.seconds, 3),
            failures=report.failures,
        )
    )


class ModelCost(CamelModel):
    kind: str
    provider: str
    model: str
    calls: int
    succeeded: int
    cost_usd: float


class CacheStats(CamelModel):
    hit_rate: str
    """Seed 003's figure: hits / (hits + misses) as a percentage ("82.5%")."""
    hits: int
    misses: int
    ratio: float
    """The same, 0-1 (0 when nothing was asked yet)."""


class DayCost(CamelModel):
    date: dt.date
    cost_usd: float
    calls: int
    """Model calls (text, prompt and image) that day."""


class Period(CamelModel):
    start: str
    end: str
    days: int


class CostReportOut(CamelModel):
    period: Period
    total_images: int
    """Images painted by models in the period (the cache's reuses cost nothing)."""
    total_cost: float
    avg_cost_per_image: float
    breakdown: list[ModelCost]
    """Per model and kind of call (text, prompt, image), dearest first."""
    cache_stats: CacheStats
    estimated_monthly_cost: float
    """The period's cost per day × 30."""
    total_calls: int
    succeeded: int
    daily: list[DayCost] = Field(default_factory=list)
    """Per calendar day in the bot's time zone, the oldest first, today last (the chart)."""


@admin_router.get("/cost-report")
async def cost_report(
    who: AdminDep,
    costs: CostsDep,
    cosmic: CosmicDep,
    reports: ReportsDep,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> Envelope[CostReportOut]:
    end = dt.datetime.now(dt.UTC)
    summary = await costs.summary(days, end.timestamp())
    hits, misses = await cosmic.cache_stats()
    ratio = hits / (hits + misses) if hits + misses else 0.0
    images = sum(row.succeeded for row in summary.by_model if row.kind == "image")
    return ok(
        CostReportOut(
            period=Period(
                start=(end - dt.timedelta(days=days)).isoformat(), end=end.isoformat(), days=days
            ),
            total_images=images,
            total_cost=round(summary.cost_usd, 6),
            avg_cost_per_image=round(summary.cost_usd / images, 6) if images else 0.0,
            breakdown=[
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
                hit_rate=f"{ratio * 100:.1f}%", hits=hits, misses=misses, ratio=round(ratio, 4)
            ),
            estimated_monthly_cost=round(summary.cost_usd / days * 30, 2),
            total_calls=summary.calls,
            succeeded=summary.succeeded,
            daily=[
                DayCost(date=day, cost_usd=round(cost, 6), calls=calls)
                for day, cost, calls in await reports.daily(days)
            ],
        )
    )


class ImageShares(CamelModel):
    image_id: str
    shares: int
    thumb_url: str | None = None
    """A small JPEG of the picture (a signed /media URL), unless its owner deleted it."""


class StatsOut(CamelModel):
    images_today: int
    shares_today: int
    downloads_today: int
    cost_today: float
    viral_week: list[ImageShares]
    top_week: list[ImageShares]
    categories_week: dict[str, int] = Field(default_factory=dict)


@admin_router.get("/stats")
async def stats(
    who: AdminDep, figures: StatsDep, gallery: GalleryDep, signer: SignerDep
) -> Envelope[StatsOut]:
    """Today: images, shares, downloads, cost; this week: viral and most shared images."""
    board = await figures.dashboard()
    return ok(
        StatsOut(
            images_today=board.images_today,
            shares_today=board.shares_today,
            downloads_today=board.downloads_today,
            cost_today=round(board.cost_today, 6),
            viral_week=[await _shares(gallery, signer, i, n) for i, n in board.viral_week],
            top_week=[await _shares(gallery, signer, i, n) for i, n in board.top_week],
            categories_week=board.categories_week,
        )
    )


async def _shares(
    gallery: GalleryService, signer: MediaSigner, image_id: int, shares: int
) -> ImageShares:
    """One image of the dashboard's lists, with its picture signed for its owner (the
    admin sees it; the owner's own URLs are no different)."""
    image = await gallery.still_kept(image_id)
    if image is None:
        return ImageShares(image_id=str(image_id), shares=shares)
    url = signer.thumb_url(image.user_id, image_id)
    return ImageShares(image_id=str(image_id), shares=shares, thumb_url=url)
