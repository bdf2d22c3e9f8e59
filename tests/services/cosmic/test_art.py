from __future__ import annotations

import math

import numpy as np
import pytest

from services.cosmic.art import moon_mask, render_daily, render_match
from services.cosmic.astro import SIGNS, sign
from services.cosmic.constellations import CONSTELLATIONS


@pytest.mark.parametrize("elongation", [0, 45, 90, 135, 180, 225, 270, 315])
def test_the_moon_is_lit_by_the_right_fraction_on_the_right_side(elongation):
    size, radius = 400, 180
    lit = np.asarray(moon_mask(size, radius, elongation)) > 0
    disc = np.asarray(moon_mask(size, radius, 180)) > 0
    expected = (1 - math.cos(math.radians(elongation))) / 2
    assert abs(lit.sum() / disc.sum() - expected) < 0.02
    if 0 < elongation < 180:  # waxing: the right half holds the light
        assert lit[:, size // 2 :].sum() >= lit[:, : size // 2].sum()
    elif elongation > 180:
        assert lit[:, : size // 2].sum() >= lit[:, size // 2 :].sum()


def test_every_sign_has_a_well_formed_constellation():
    for zodiac in SIGNS:
        stars, edges = CONSTELLATIONS[zodiac.key]
        assert len(stars) >= 4 and all(0 <= x <= 1 and 0 <= y <= 1 for x, y in stars)
        assert all(0 <= a < len(stars) and 0 <= b < len(stars) for a, b in edges)


def test_art_is_deterministic_and_energy_brightens_it():
    leo = sign("leo")
    first = np.asarray(render_daily(leo.palette, "leo", 5, seed=3, size=256))
    again = np.asarray(render_daily(leo.palette, "leo", 5, seed=3, size=256))
    assert (first == again).all() and first.shape == (256, 256, 3)
    dim = np.asarray(render_daily(leo.palette, "leo", 1, seed=3, size=256)).mean()
    bright = np.asarray(render_daily(leo.palette, "leo", 10, seed=3, size=256)).mean()
    assert bright > dim * 1.2


def test_a_match_shows_each_sign_in_its_own_colours():
    image = np.asarray(
        render_match(
            "aries",
            sign("aries").palette,
            "aquarius",
            sign("aquarius").palette,
            70,
            seed=1,
            size=256,
        )
    )
    left, right = image[:, :64].mean(axis=(0, 1)), image[:, -64:].mean(axis=(0, 1))
    assert left[0] > left[2]  # Aries: reds on the left
    assert right[2] > right[0]  # Aquarius: blues on the right
