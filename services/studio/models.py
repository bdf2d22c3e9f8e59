"""What the studio asks its writers for and gets back: a post request, the post's text,
and the writers' protocols (the cloud writer in writing.py, the template writer in
local_writer.py). The providers under them only turn (instructions, data, schema) into a
validated object (services/generation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from services.core.categories import Category, register
from services.generation.base import PromptResult, Usage
from services.studio.catalog import Audience, PostType


@dataclass(frozen=True, slots=True)
class PostRequest:
    post_type: PostType
    audience: Audience
    language: str
    referral_link: str | None
    seed: int


@dataclass(frozen=True, slots=True)
class PostText:
    title: str
    body: str
    hashtags: tuple[str, ...]
    link_line: str


@dataclass(frozen=True, slots=True)
class TextResult:
    text: PostText
    usage: Usage


@dataclass(frozen=True, slots=True)
class PartialPost:
    """A post as far as its writer has got: the title, then the body, growing."""

    title: str
    body: str


PartialCallback = Callable[[PartialPost], None]
"""Told each time more of the post has been written (cheap: it only keeps the latest)."""


class TextGenerator(Protocol):
    @property
    def languages(self) -> frozenset[str]:
        """Post languages this generator can write."""
        ...

    async def write_post(
        self, request: PostRequest, on_partial: PartialCallback | None = None
    ) -> TextResult:
        """The post; with `on_partial`, told as it is written."""
        ...


class PromptWriter(Protocol):
    async def write_prompt(self, request: PostRequest) -> PromptResult: ...


@dataclass(frozen=True, slots=True)
class StoredPost:
    id: int
    user_id: int
    post_type: str
    audience: str
    language: str
    referral_link: str | None
    status: str
    title: str | None = None
    body: str | None = None
    hashtags: tuple[str, ...] = field(default_factory=tuple)
    image_path: str | None = None


@dataclass(frozen=True, slots=True)
class NewPost:
    """A studio post as it is stored when its generation has finished."""

    user_id: int
    reservation_id: int
    post_type: str
    audience: str
    language: str
    referral_link: str | None
    status: str
    started_at: float
    title: str | None = None
    body: str | None = None
    hashtags: tuple[str, ...] = ()
    image_path: str | None = None
    error: str | None = None


@register
@dataclass(frozen=True, slots=True)
class StudioParams:
    """A studio post's picture: the post's title (the post itself has its own table)."""

    category: ClassVar[Category] = Category.STUDIO
    title: str = ""

    def to_json(self) -> dict[str, object]:
        return {"title": self.title}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StudioParams:
        return cls(str(data.get("title", "")))
