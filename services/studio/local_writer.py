"""The offline post writer: hand-written templates per post type, audience and language."""

from __future__ import annotations

import asyncio
import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

from services.generation.base import Usage
from services.studio.models import (
    PartialCallback,
    PartialPost,
    PostRequest,
    PostText,
    TextResult,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
MAX_HASHTAGS = 6
SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|\n+|$)\s*")


@cache
def _book(language: str) -> dict[str, Any]:
    path = TEMPLATES_DIR / f"{language}.json"
    book: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return book


@cache
def template_languages() -> frozenset[str]:
    return frozenset(path.stem for path in TEMPLATES_DIR.glob("*.json"))


def _book_for(language: str) -> dict[str, Any]:
    return _book(language if language in template_languages() else "en")


def headline(request: PostRequest) -> str:
    """The post's hook in its language; the local image shows the same line as the title."""
    hooks: list[str] = _book_for(request.language)["post_types"][request.post_type.value]["hooks"]
    return random.Random(request.seed).choice(hooks)


def kicker(request: PostRequest) -> str:
    """A short 'post type · audience' line in the post's language."""
    book = _book_for(request.language)
    return (
        f"{book['post_types'][request.post_type.value]['label']}"
        f" · {book['audiences'][request.audience.value]['label']}"
    )


def hashtags(request: PostRequest) -> tuple[str, ...]:
    book = _book_for(request.language)
    tags = [
        *book["audiences"][request.audience.value]["hashtags"],
        *book["post_type_hashtags"][request.post_type.value],
    ]
    unique = list(dict.fromkeys(tags))
    return tuple(f"#{tag}" for tag in unique[:MAX_HASHTAGS])


class LocalTextWriter:
    """Writes a complete post without any network: hook, body, hashtags and call to action.
    Asked to stream, it tells the post sentence by sentence, `pace` seconds apart (a
    reader's pace, as a model's stream would come; 0: all at once)."""

    provider = "local"
    model = "templates-v1"

    def __init__(self, pace: float = 0.0) -> None:
        self.pace = pace

    @property
    def languages(self) -> frozenset[str]:
        return template_languages()

    async def write_post(
        self, request: PostRequest, on_partial: PartialCallback | None = None
    ) -> TextResult:
        text = self.compose(request)
        if on_partial is not None and self.pace > 0:
            await self._tell(text, on_partial)
        return TextResult(text=text, usage=Usage(self.provider, self.model))

    async def _tell(self, text: PostText, on_partial: PartialCallback) -> None:
        on_partial(PartialPost(text.title, ""))
        told = ""
        for sentence in SENTENCE.findall(text.body):
            await asyncio.sleep(self.pace)
            told += sentence
            on_partial(PartialPost(text.title, told.rstrip()))

    def compose(self, request: PostRequest) -> PostText:
        book = _book_for(request.language)
        audience = book["audiences"][request.audience.value]
        rng = random.Random(request.seed)
        rng.random()  # the first draw picked the headline
        body_template = rng.choice(book["post_types"][request.post_type.value]["bodies"])
        body = body_template.format(
            audience=audience["noun"],
            audience_gen=audience.get("noun_gen", audience["noun"]),
            pain=audience["pain"],
            win=audience["win"],
        )
        if request.referral_link:
            link_line = rng.choice(book["link_lines"]).format(link=request.referral_link)
        else:
            link_line = rng.choice(book["no_link_lines"])
        return PostText(
            title=headline(request), body=body, hashtags=hashtags(request), link_line=link_line
        )
