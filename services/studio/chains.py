"""The studio's two text chains: the post writers (each asked only for a language it can
write) and the prompt-rewriting step."""

from __future__ import annotations

from services.generation.base import PromptResult
from services.generation.chain import FallbackCallback, ModelChain
from services.studio.models import (
    PartialCallback,
    PostRequest,
    PromptWriter,
    TextGenerator,
    TextResult,
)


class TextChain(ModelChain[TextGenerator]):
    @property
    def languages(self) -> frozenset[str]:
        return frozenset().union(*(entry.provider.languages for entry in self.entries))

    async def write_post(
        self,
        request: PostRequest,
        on_fallback: FallbackCallback | None = None,
        deadline: float | None = None,
        on_partial: PartialCallback | None = None,
    ) -> TextResult:
        """The first model's post that works; with `on_partial`, told as each one writes
        (a model that fails halfway is followed by the next one's post from its start)."""
        able = [e for e in self.entries if request.language in e.provider.languages]
        chain = ModelChain(able) if able else self
        return await chain.first_success(
            lambda p: p.write_post(request, on_partial), on_fallback, deadline
        )


class PromptChain(ModelChain[PromptWriter]):
    """The prompt-rewriting step. Its last entry is the brand template, which cannot
    fail, so a slow or broken text model only costs the picture its polish."""

    @property
    def uses_a_model(self) -> bool:
        """False when only the template is configured (no step worth running or recording)."""
        return len(self.entries) > 1

    async def write_prompt(self, request: PostRequest) -> PromptResult:
        return await self.first_success(lambda p: p.write_prompt(request), None, None)
