"""The local renderer's reading of a request in words, and what the studio lets through."""

from __future__ import annotations

import pytest

from services.generation.editing import MAX_REQUEST_LENGTH, Adjustment, clean_request
from services.generation.local.edits import plan_edits


@pytest.mark.parametrize(
    ("words", "applied", "not_done"),
    [
        ("more purple and add a cat", (Adjustment.PURPLER,), ("add a cat",)),
        ("más morado y añade un gato", (Adjustment.PURPLER,), ("añade un gato",)),
        ("больше фиолетового и добавь кота", (Adjustment.PURPLER,), ("добавь кота",)),
        ("bluer, warmer", (Adjustment.BLUER, Adjustment.WARMER), ()),
        ("fewer stars; brighter", (Adjustment.FEWER_STARS, Adjustment.BRIGHTER), ()),
        ("sin estrellas, más oscuro", (Adjustment.FEWER_STARS, Adjustment.DARKER), ()),
        ("меньше звёзд, спокойнее", (Adjustment.FEWER_STARS, Adjustment.CALMER), ()),
        ("less bright & bolder", (Adjustment.DARKER, Adjustment.BOLDER), ()),
        ("more stars", (Adjustment.MORE_STARS,), ()),
        ("reduce the noise", (), ("reduce the noise",)),
    ],
)
def test_requests_map_onto_adjustments(words: str, applied: tuple, not_done: tuple):
    assert plan_edits(words) == (applied, not_done)


def test_requests_are_cleaned_and_capped():
    assert clean_request("  bluer\u202e\x00\u200b\n\tplease ") == "bluer please"
    long = clean_request("purple " * 100)
    assert len(long) <= MAX_REQUEST_LENGTH and not long.endswith(" ")
    assert clean_request("\x00\u202e ") == ""
