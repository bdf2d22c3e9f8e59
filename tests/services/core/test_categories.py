"""Every category has a typed params type that survives its stored JSON, and rows written
before the types (the old dict shape) read back as the same types."""

from __future__ import annotations

import json

import pytest

from services.core.categories import Category, Params, dump_params, parse_params, registered
from services.cosmic.astro import Focus, Mood
from services.cosmic.kinds import (
    KINDS,
    AvatarParams,
    DailyParams,
    MatchParams,
    MoonParams,
    parse_cosmic,
)
from services.cosmic.moon import MoonPhase
from services.studio.models import StudioParams

SAMPLES: dict[Category, Params] = {
    **{kind.category: kind.sample for kind in KINDS},
    Category.DAILY: DailyParams("leo", 9, Mood.BOLD, Focus.LOVE),
    Category.MATCH: MatchParams("aries", "libra"),
    Category.MOON: MoonParams(MoonPhase.WANING_GIBBOUS),
    Category.AVATAR: AvatarParams("scorpio", "cancer", "leo", ("brave", "kind")),
    Category.STUDIO: StudioParams("Big <news> & «más»"),
}
"""One of each category (a kind's own sample where none is given here); the registry tests
of captions, share texts and art use them."""


def test_every_category_has_a_params_type():
    assert set(registered()) == set(Category) == set(SAMPLES)
    for category, params in SAMPLES.items():
        assert params.category is category and isinstance(params, registered()[category])


@pytest.mark.parametrize("category", list(Category))
def test_params_survive_their_stored_json(category: Category):
    params = SAMPLES[category]
    stored = json.dumps(dump_params(params), ensure_ascii=False)
    assert parse_params(category.value, json.loads(stored)) == params


@pytest.mark.parametrize(
    ("category", "row", "expected"),
    [
        (
            "daily",
            {
                "category": "daily",
                "signs": ["leo"],
                "energy": 8,
                "mood": "bold",
                "focus": "career",
            },
            DailyParams("leo", 8, Mood.BOLD, Focus.CAREER),
        ),
        (
            "match",
            {
                "category": "match",
                "signs": ["leo", "aries"],
                "energy": 5,
                "mood": "calm",
                "focus": "growth",
            },
            MatchParams("leo", "aries"),
        ),
        (
            "moon",
            {
                "category": "moon",
                "energy": 5,
                "mood": "calm",
                "focus": "growth",
                "phase": "first_quarter",
            },
            MoonParams(MoonPhase.FIRST_QUARTER),
        ),
        (
            "avatar",
            {
                "category": "avatar",
                "signs": ["leo", "cancer", "aries"],
                "energy": 5,
                "mood": "calm",
                "focus": "growth",
                "traits": ["<b>brave</b>"],
            },
            AvatarParams("leo", "cancer", "aries", ("<b>brave</b>",)),
        ),
        ("studio", {"title": "Hello"}, StudioParams("Hello")),
    ],
)
def test_rows_in_the_old_shape_read_back_typed(category, row, expected):
    assert parse_params(category, row) == expected


def test_a_daily_keeps_the_exact_json_it_always_had():
    """Its JSON names the personal cache key of the day: it must not move."""
    assert dump_params(DailyParams("leo", 8, Mood.BOLD, Focus.CAREER)) == {
        "category": "daily",
        "signs": ["leo"],
        "energy": 8,
        "mood": "bold",
        "focus": "career",
    }


def test_a_studio_post_is_no_cosmic_request():
    assert parse_cosmic(dump_params(SAMPLES[Category.MOON])) == SAMPLES[Category.MOON]
    with pytest.raises((ValueError, KeyError)):
        parse_cosmic(dump_params(SAMPLES[Category.STUDIO]))
    with pytest.raises(ValueError):
        parse_cosmic({**dump_params(SAMPLES[Category.STUDIO]), "category": "studio"})
