from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from services.generation.local.painter import LocalImageRenderer
from services.generation.local.typeset import fit
from services.studio.catalog import Audience, PostType
from services.studio.local_writer import LocalTextWriter
from services.studio.models import PostRequest
from services.studio.prompts import studio_image_request

LINK = "https://example.com/ref/77"


@pytest.mark.parametrize("language", ["en", "es", "ru"])
async def test_writer_covers_every_type_and_audience(language: str):
    writer = LocalTextWriter()
    for post_type, audience in itertools.product(PostType, Audience):
        result = await writer.write_post(PostRequest(post_type, audience, language, LINK, 3))
        post = result.text
        assert post.title and len(post.body) > 150
        assert "{" not in post.body and "}" not in post.body
        assert LINK in post.link_line
        assert 4 <= len(post.hashtags) <= 6 and all(tag.startswith("#") for tag in post.hashtags)
        assert result.usage.cost_usd == 0


async def test_writer_varies_with_the_seed_and_knows_no_link():
    writer = LocalTextWriter()
    bodies = {
        writer.compose(PostRequest(PostType.TIP, Audience.STUDENTS, "en", None, seed)).body
        for seed in range(12)
    }
    assert len(bodies) > 1
    post = writer.compose(PostRequest(PostType.TIP, Audience.STUDENTS, "en", None, 1))
    assert "http" not in post.link_line


async def test_russian_post_is_in_russian():
    post = LocalTextWriter().compose(PostRequest(PostType.FOMO, Audience.NOMADS, "ru", None, 5))
    cyrillic = sum("а" <= c.lower() <= "я" for c in post.body)
    assert cyrillic > len(post.body) * 0.5


async def test_local_studio_image_is_a_16_9_png_with_the_headline():
    request = studio_image_request(
        PostRequest(PostType.SUCCESS, Audience.SMALL_BUSINESS, "en", None, 11)
    )
    result = await LocalImageRenderer().paint(request)
    image = Image.open(io.BytesIO(result.png))
    assert image.format == "PNG" and image.size == (1920, 1080)
    pixels = np.asarray(image.convert("L"), dtype=np.float32)
    text_area = pixels[300:800, 130:1000]
    assert (text_area > 245).mean() > 0.02  # white headline strokes are there
    assert pixels.std() > 20  # not a flat fill


def test_text_fitting_never_overflows_its_box():
    long_word = "Donaudampfschifffahrtsgesellschaftskapitänsmütze " * 8
    fitted = fit(long_word, (600, 200), max_size=80, min_size=20, max_lines=3, bold=True)
    assert len(fitted.lines) <= 3 and fitted.height <= 200
    assert all(fitted.face.getlength(line) <= 600 for line in fitted.lines)
