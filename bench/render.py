"""Local rendering speed: the offline studio poster at 1920x1080 (median of several runs).

Run: python -m bench.render
"""

from __future__ import annotations

import time

from bench.common import median, report
from services.art.studio import render_studio_image, to_png
from services.catalog import POST_PALETTES, PostType

RUNS = 7


def studio_image_ms() -> float:
    timings = []
    for run in range(RUNS):
        started = time.perf_counter()
        image = render_studio_image(
            "Six months ago I almost quit. I'm glad I didn't.", "Success Story · Freelancers",
            POST_PALETTES[PostType.SUCCESS], size=(1920, 1080), seed=run,
        )  # fmt: skip
        to_png(image)
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings)


def main() -> None:
    studio = round(studio_image_ms(), 1)
    report(
        f"local rendering (median of {RUNS})",
        [("studio poster 1920x1080, PNG encoded (ms)", studio)],
        {"studio_image_ms": studio},
    )


if __name__ == "__main__":
    main()
