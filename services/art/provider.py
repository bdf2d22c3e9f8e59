"""The offline image provider: paints the studio poster locally, off the event loop."""

from __future__ import annotations

import asyncio

from services.art.studio import render_studio_image, to_png
from services.generation.base import ImageRequest, ImageResult, Usage


class LocalImageRenderer:
    provider = "local"
    model = "cosmic-poster-v1"

    async def paint(self, request: ImageRequest) -> ImageResult:
        png = await asyncio.to_thread(self._render, request)
        return ImageResult(
            png=png, width=request.width, height=request.height,
            usage=Usage(self.provider, self.model),
        )  # fmt: skip

    @staticmethod
    def _render(request: ImageRequest) -> bytes:
        image = render_studio_image(
            request.headline, request.kicker, request.palette,
            size=(request.width, request.height), seed=request.seed,
        )  # fmt: skip
        return to_png(image)
