"""A studio post whose run died: when the sweep (services/core/sweep.py) refunds its token
hold, the post is kept as failed with its choices, so "Generate" can make it again."""

from __future__ import annotations

from typing import Any

from services.core.models import Reservation
from services.infra.db import Transaction
from services.studio.drafts import Action
from services.studio.models import NewPost
from services.studio.post_repo import PostRepo

INTERRUPTED = "interrupted"
"""The error of a post whose run died; the post keeps its choices, to be made again."""


async def keep_interrupted(
    tx: Transaction, reservation: Reservation, draft: dict[str, Any]
) -> None:
    """Stores the post of a swept hold (inside the refund's transaction) from the draft
    its origin remembered (services/studio/drafts.py draft_fields). A hold for anything
    else on a delivered post (more pictures, an edit, 4K) leaves no post behind."""
    if draft.get("action", Action.POST) not in (Action.POST, Action.REWRITE):
        return
    post = NewPost(
        user_id=reservation.user_id,
        reservation_id=reservation.id,
        post_type=draft["post_type"],
        audience=draft["audience"],
        language=draft["language"],
        referral_link=draft["referral_link"],
        status="failed",
        started_at=reservation.created_at,
        error=INTERRUPTED,
    )
    await PostRepo.save(tx, post, [])
