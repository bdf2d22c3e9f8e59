"""What a partner chose for a post (type, audience, language, referral link), the key of
one confirm screen, and the draft as the sweeper and the call log keep it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.studio.catalog import Audience, PostType
from services.studio.models import StoredPost


@dataclass(frozen=True, slots=True)
class Draft:
    post_type: PostType
    audience: Audience
    language: str
    referral_link: str | None

    @classmethod
    def of(cls, post: StoredPost) -> Draft:
        """The choices behind a stored post (to make it again)."""
        return cls(
            PostType(post.post_type), Audience(post.audience), post.language, post.referral_link
        )


def new_draft_key() -> str:
    """A random id for one confirm screen: pressing its button twice is one post."""
    return secrets.token_hex(6)


class Action(StrEnum):
    """What a studio hold pays for, as its origin remembers it (`again["action"]`): the
    sweeper's notice of interrupted work says which it was."""

    POST = "post"
    REWRITE = "rewrite"
    VARIANTS = "variants"
    EDIT = "edit"
    FOUR_K = "four_k"


def action_fields(action: Action, **more: object) -> dict[str, object]:
    """What the origin of a hold for anything but a post remembers."""
    return {"action": action.value, **more}


def draft_fields(draft: Draft) -> dict[str, str | None]:
    """The draft as the sweeper keeps it (to store an interrupted post, made again later)."""
    return {
        "post_type": draft.post_type.value,
        "audience": draft.audience.value,
        "language": draft.language,
        "referral_link": draft.referral_link,
    }


def request_summary(draft: Draft) -> str:
    link = draft.referral_link or "-"
    return f"{draft.post_type.value}/{draft.audience.value}/{draft.language}/link={link}"


def draft_from(data: dict[str, Any]) -> Draft:
    return Draft(
        post_type=PostType(data["post_type"]),
        audience=Audience(data["audience"]),
        language=data["language"],
        referral_link=data.get("link"),
    )


def draft_from_fields(fields: dict[str, str | None]) -> Draft:
    """The draft back from `draft_fields` (as a job carries it)."""
    return draft_from({**fields, "link": fields.get("referral_link")})
