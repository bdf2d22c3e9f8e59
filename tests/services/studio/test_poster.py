"""The local poster carries its recipe in its PNG, so it can be drawn again at 4K."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

from services.studio.poster import RECIPE_KEY, PosterSketch, drawn_poster

PALETTE = ("#ff7a59", "#ffd166", "#6a4cff")


def test_a_poster_says_how_it_was_drawn_and_is_drawn_alike_at_any_size():
    sketch = PosterSketch("Свобода работать откуда угодно <b>&", "FOMO · CRYPTO", PALETTE)
    small = sketch(2026, (480, 270))
    drawn = drawn_poster(small)
    assert drawn is not None and drawn.sketch == sketch and drawn.seed == 2026
    again = drawn.sketch(drawn.seed, (960, 540))
    with Image.open(io.BytesIO(again)) as image:
        assert image.size == (960, 540)
    assert drawn_poster(again) == drawn


def test_other_pictures_have_no_recipe():
    plain = io.BytesIO()
    Image.new("RGB", (64, 36), (1, 2, 3)).save(plain, format="PNG")
    assert drawn_poster(plain.getvalue()) is None
    assert drawn_poster(b"not a picture") is None
    for recipe in ('{"headline": "x", "kicker": "y", "palette": [], "seed": 1}', "{", "[]"):
        info = PngImagePlugin.PngInfo()
        info.add_itxt(RECIPE_KEY, recipe)
        odd = io.BytesIO()
        Image.new("RGB", (64, 36)).save(odd, format="PNG", pnginfo=info)
        assert drawn_poster(odd.getvalue()) is None
