"""A Cosmic Coach image whose run died: the sweep (services/core/sweep.py) gave its weekly
use back; "Generate again" paints the same request, read back from its stored form."""

from __future__ import annotations

from typing import Any

from services.core.sweep import Sweep
from services.core.tiers import Category
from services.core.work import WorkKind
from services.cosmic.astro import MoonPhase
from services.cosmic.service import CosmicRequest


def request_from(params: dict[str, Any]) -> CosmicRequest:
    """A CosmicRequest from its params() (as stored in JSON)."""
    phase = params.get("phase")
    return CosmicRequest(
        category=Category(params["category"]),
        signs=tuple(params.get("signs", ())),
        energy=int(params.get("energy", 5)),
        mood=str(params.get("mood", "calm")),
        focus=str(params.get("focus", "growth")),
        phase=MoonPhase(phase) if phase else None,
        traits=tuple(params.get("traits", ())),
    )


async def request_again(sweep: Sweep, user_id: int, use_id: int) -> CosmicRequest | None:
    """The request of the person's interrupted image, to paint it again (None: not theirs,
    or not interrupted)."""
    params = await sweep.again(WorkKind.USE, use_id, user_id)
    return request_from(params) if params else None
