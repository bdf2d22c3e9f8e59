"""The art table: every Cosmic Coach category has a prompt and a local renderer, the studio
has its own, and the local painter draws whatever sketch a request carries."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from services.core.categories import Category
from services.cosmic.kinds import COSMIC_CATEGORIES
from services.cosmic.prompts import ART, CosmicSketch, cosmic_image_request
from services.generation.base import ImageRequest, Quality
from services.generation.local.painter import LocalImageRenderer
from services.studio.catalog import Audience, PostType
from services.studio.models import PostRequest
from services.studio.prompts import studio_image_request
from tests.services.core.test_categories import SAMPLES


def test_every_category_has_a_prompt_and_a_renderer():
    assert set(ART) == set(COSMIC_CATEGORIES) == set(Category) - {Category.STUDIO}
    studio = studio_image_request(PostRequest(PostType.TIP, Audience.CRYPTO, "en", None, 3))
    assert studio.prompt and callable(studio.sketch) and studio.aspect_ratio == "16:9"


@pytest.mark.parametrize("category", sorted(COSMIC_CATEGORIES))
async def test_each_cosmic_request_has_its_prompt_and_paints_locally(category: Category):
    params = SAMPLES[category]
    request = cosmic_image_request(params, Quality.STANDARD, seed=5)
    assert request.prompt.startswith("Ethereal, mystical cosmic art")
    assert ART[category].subject(params).text[1:] in request.prompt
    assert request.sketch == CosmicSketch(params)
    assert (request.width, request.height) == (1024, 1024)
    small = ImageRequest(request.prompt, 256, 256, 5, request.sketch)
    result = await LocalImageRenderer().paint(small)
    image = Image.open(io.BytesIO(result.png))
    assert image.format == "PNG" and image.size == (256, 256)
    assert np.asarray(image.convert("L"), dtype=np.float32).std() > 5  # not a flat fill
    again = await LocalImageRenderer().paint(small)
    assert again.png == result.png  # deterministic per seed


def test_the_prompts_name_what_each_category_shows():
    prompts = {c: cosmic_image_request(SAMPLES[c], Quality.HD, 1).prompt for c in ART}
    assert "constellation of Leo" in prompts[Category.DAILY]
    assert "Energy 9/10: blazing" in prompts[Category.DAILY]
    assert "Aries and Libra" in prompts[Category.MATCH]
    assert "waning gibbous moon" in prompts[Category.MOON]
    assert '"brave", "kind"' in prompts[Category.AVATAR]
    for category in (Category.MATCH, Category.MOON, Category.AVATAR):
        assert "Energy 5/10: vivid light. Mood: calm. Focus: growth." in prompts[category]
