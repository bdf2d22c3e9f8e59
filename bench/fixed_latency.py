"""Providers with set latencies for the benchmarks (0.4 s text, 0.6 s image)."""

from __future__ import annotations

import asyncio

from services.generation.base import ImageRequest, ImageResult, Usage
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PartialCallback, PostRequest, TextResult
from services.studio.poster import render_studio_image, to_png

TEXT_LATENCY = 0.4
IMAGE_LATENCY = 0.6


class FixedLatencyWriter(LocalTextWriter):
    async def write_post(
        self, request: PostRequest, on_partial: PartialCallback | None = None
    ) -> TextResult:
        await asyncio.sleep(TEXT_LATENCY)
        return TextResult(self.compose(request), Usage("bench", "text-0.4s"))


class FixedLatencyPainter:
    def __init__(self) -> None:
        self.png = to_png(
            render_studio_image("Ready-made", "Bench", ("#7B2FF7", "#F107A3", "#00D4FF"))
        )

    async def paint(self, request: ImageRequest) -> ImageResult:
        await asyncio.sleep(IMAGE_LATENCY)
        return ImageResult(self.png, 1920, 1080, Usage("bench", "image-0.6s"))
