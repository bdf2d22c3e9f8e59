"""Prices from the models table, and how a model's draft is made safe to publish."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cosmic.prompts import cosmic_image_prompt
from services.generation.base import GenerationError, ImageRequest, Quality
from services.generation.openai_provider import image_size
from services.generation.pricing import PriceList, TokenPrices
from services.studio.captions import visible_length
from services.studio.poster import PosterSketch
from services.studio.writing import CTA_LIMIT, PostDraft, clean_hashtags, finish_post

LINK = "https://example.com/r/42"


def test_prices_come_from_the_data_file():
    prices = PriceList.load()
    assert prices.text_cost("gpt-4.1-mini", 1_000_000, 1_000_000) == pytest.approx(2.0)
    assert prices.image_cost("gpt-image-2", Quality.HD) == pytest.approx(0.19)
    # Gemini images are billed by tokens when the answer reports them, else per image.
    assert prices.image_cost("gemini-2.5-flash-image", "standard", 0, 1290) == pytest.approx(
        0.0387
    )
    assert prices.image_cost("gemini-2.5-flash-image", "standard") == pytest.approx(0.039)
    assert prices.text_cost("some-new-model", 10, 10) == 0.0  # unknown: free, and logged


def test_a_custom_prices_file_replaces_the_bundled_one(tmp_path: Path):
    path = tmp_path / "prices.toml"
    path.write_text(
        '[[model]]\nid = "gpt-image-2"\nprovider = "openai"\nkind = "image"\n'
        'per_image = { standard = 0.5, hd = 1.0 }\nprice_date = "2026-11-01"\n'
    )
    assert PriceList.load(path).image_cost("gpt-image-2", "standard") == 0.5


def test_what_each_studio_action_costs_comes_from_the_table():
    assert TokenPrices.load() == TokenPrices(post=2, rewrite=1, variant=1, edit=1, four_k=0)


@pytest.mark.parametrize(
    ("tokens", "complaint"),
    [
        ("", "has no [tokens] table"),
        ("[tokens]\npost = 2\n", "lacks edit, four_k, rewrite, variant"),
        ("[tokens]\npost = 0\nrewrite = 1\nvariant = 1\nedit = 1\nfour_k = 0\n", "post"),
        ("[tokens]\npost = 2\nrewrite = 1\nvariant = 1.5\nedit = 1\nfour_k = 0\n", "variant"),
        ("[tokens]\npost = 2\nrewrite = 1\nvariant = 1\nedit = 1\nfour_k = -1\n", "four_k"),
        ("[tokens]\npost = 2\nrewrite = 1\nvariant = 1\nedit = 1\nfour_k = 0\nhug = 1\n", "hug"),
    ],
)
def test_a_table_without_sound_token_prices_is_refused(
    tmp_path: Path, tokens: str, complaint: str
):
    path = tmp_path / "models.toml"
    path.write_text(tokens)
    with pytest.raises(ValueError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        TokenPrices.load(path)


def test_the_link_survives_whatever_the_model_wrote():
    missing = finish_post(
        PostDraft(title="T", body="B", call_to_action="Join!", hashtags=[]), LINK
    )
    assert missing.link_line == f"Join! {LINK}"
    rambling = PostDraft(title="T", body="B", call_to_action="word " * 200 + LINK, hashtags=[])
    line = finish_post(rambling, LINK).link_line
    assert line.endswith(LINK) and visible_length(line) <= CTA_LIMIT


def test_an_empty_title_or_body_is_unusable():
    with pytest.raises(GenerationError):
        finish_post(PostDraft(title=" ", body="text", call_to_action="", hashtags=[]), None)


def test_hashtags_are_cleaned_deduplicated_and_capped():
    tags = clean_hashtags(
        ["#Crypto #DeFi", "crypto", "digital nomads", "##", "2026", "<b>x</b>", "a", "b", "c", "d"]
    )
    assert tags == ("#Crypto", "#DeFi", "#digitalnomads", "#bxb", "#a", "#b")


@pytest.mark.parametrize(
    ("size", "ratio", "openai_size"),
    [
        ((1920, 1080), "16:9", "1536x864"),
        ((1024, 1024), "1:1", "1024x1024"),
        ((1080, 1920), "9:16", "864x1536"),
    ],
)
def test_each_use_gets_its_aspect_ratio(size, ratio, openai_size):
    request = ImageRequest("p", *size, seed=1, sketch=PosterSketch("h", "k", ("#000000",) * 3))
    assert request.aspect_ratio == ratio and image_size(ratio) == openai_size


def test_cosmic_prompts_carry_palette_energy_mood_and_focus():
    prompt = cosmic_image_prompt(
        "the Aries constellation", ("#FF6B6B", "#FFA07A", "#FF4500"), 9, "bold", "career"
    )
    assert prompt.startswith("Ethereal, mystical cosmic art")
    assert "#FF6B6B, #FFA07A, #FF4500" in prompt and "Energy 9/10: blazing" in prompt
    assert "Mood: bold. Focus: career." in prompt and "No text in the image" in prompt
