"""A Cosmic Coach image whose run died: the sweep (services/core/sweep.py) gave its weekly
use back; "Generate again" paints the same request, read back from its stored form."""

from __future__ import annotations

from services.core.sweep import Sweep
from services.core.work_repo import WorkKind
from services.cosmic.kinds import CosmicParams, parse_cosmic


async def request_again(sweep: Sweep, user_id: int, use_id: int) -> CosmicParams | None:
    """The request of the person's interrupted image, to paint it again (None: not theirs,
    or not interrupted)."""
    params = await sweep.again(WorkKind.USE, use_id, user_id)
    return parse_cosmic(params) if params else None
