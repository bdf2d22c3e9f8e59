"""The /report chart (Pillow): daily cost as bars, generations as a line, per day."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image, ImageDraw

from services.generation.local.typeset import font

SIZE = (1200, 600)
BACKGROUND, GRID, TEXT = (16, 18, 36), (52, 56, 90), (220, 224, 240)
BAR, LINE = (123, 47, 247), (0, 212, 255)


def report_chart(daily: list[tuple[date, float, int]], title: str) -> bytes:
    width, height = SIZE
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 90, width - 90, 80, height - 70
    draw.text((left, 24), title, font=font(30, bold=True), fill=TEXT)
    max_cost = max((cost for _, cost, _ in daily), default=0.0) or 1.0
    max_count = max((count for _, _, count in daily), default=0) or 1
    small = font(16)
    for step in range(5):
        y = bottom - (bottom - top) * step / 4
        draw.line((left, y, right, y), fill=GRID, width=1)
        draw.text((left - 10, y), f"${max_cost * step / 4:.2f}", font=small, fill=BAR, anchor="rm")
        draw.text(
            (right + 10, y), f"{max_count * step / 4:.0f}", font=small, fill=LINE, anchor="lm"
        )
    slot = (right - left) / max(len(daily), 1)
    points = []
    for index, (day, cost, count) in enumerate(daily):
        x = left + slot * index
        bar_top = bottom - (bottom - top) * cost / max_cost
        draw.rectangle((x + slot * 0.2, bar_top, x + slot * 0.8, bottom), fill=BAR)
        points.append((x + slot / 2, bottom - (bottom - top) * count / max_count))
        if len(daily) <= 14 or index % max(1, len(daily) // 10) == 0:
            draw.text(
                (x + slot / 2, bottom + 18),
                day.strftime("%m-%d"),
                font=small,
                fill=TEXT,
                anchor="mm",
            )
    if len(points) > 1:
        draw.line(points, fill=LINE, width=4, joint="curve")
    for x, y in points:
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=LINE)
    draw.text((left, height - 30), "■ cost (USD)", font=small, fill=BAR)
    draw.text((left + 180, height - 30), "● generations", font=small, fill=LINE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
