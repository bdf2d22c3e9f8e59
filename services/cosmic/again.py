"""A Cosmic Coach image whose run died: the sweep (services/core/sweep.py) gave its weekly
use back; "Generate again" paints the same request, read back from its stored form."""

from __future__ import annotations

from typing import Any

from services.core.categories import parse_cosmic
from services.core.sweep import Sweep
from services.core.work import WorkKind
from services.cosmic.service import CosmicRequest


def request_from(params: dict[str, Any]) -> CosmicRequest:
    """A Cosmic Coach request from its JSON (as stored with the use)."""
    return parse_cosmic(params)


async def request_again(sweep: Sweep, user_id: int, use_id: int) -> CosmicRequest | None:
    """The request of the person's interrupted image, to paint it again (None: not theirs,
    or not interrupted)."""
    params = await sweep.again(WorkKind.USE, use_id, user_id)
    return request_from(params) if params else None
