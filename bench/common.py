"""Helpers shared by the benchmarks: statistics and the one-JSON-line report."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(title: str, rows: Sequence[tuple[str, object]], figures: Mapping[str, object]) -> None:
    """A human table, then (last line) one JSON object with the figures, ratios first."""
    print(title)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print(json.dumps(figures))
