"""A Cosmic Coach image whose run died: the sweep (services/core/sweep.py) gave its weekly
use back; "Generate again" paints the same request, read back from its stored form. An
interrupted edit stored the image it edits instead ("Edit again" asks anew)."""

from __future__ import annotations

from typing import Any

from services.core.sweep import Sweep
from services.core.work_repo import WorkKind
from services.cosmic.kinds import CosmicParams, parse_cosmic


async def request_again(sweep: Sweep, user_id: int, use_id: int) -> CosmicParams | None:
    """The request of the person's interrupted image, to paint it again (None: not theirs,
    or not interrupted)."""
    params = await sweep.again(WorkKind.USE, use_id, user_id)
    if not params or edited_image(params) is not None:
        return None
    return parse_cosmic(params)


EDIT_OF = "edit_of"
"""The key of an edit's `again`: the image it edits (an edit is not painted again)."""


def edited_image(again: dict[str, Any] | None) -> int | None:
    """The image an interrupted edit was editing (None: the work was no edit)."""
    image_id = (again or {}).get(EDIT_OF)
    return image_id if isinstance(image_id, int) else None
