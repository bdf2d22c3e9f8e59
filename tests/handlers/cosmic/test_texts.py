"""The caption table: every category has a caption, in every language, rebuilt from its
typed parameters (user text escaped)."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.app import LOCALES_DIR
from services.core.categories import Category
from services.studio.models import StudioParams
from tests.services.core.test_categories import SAMPLES
from ui.cosmic.texts import CAPTIONS, caption

I18N = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")


def test_every_category_has_a_caption():
    assert set(CAPTIONS) == set(Category)


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_captions_in_every_language(language: str):
    with I18N.context(), I18N.use_locale(language):
        texts = {category: caption(params) for category, params in SAMPLES.items()}
    assert all(text.startswith("<b>") for text in texts.values())
    assert "●●●●●●●●●○ 9/10" in texts[Category.DAILY]
    assert "%" in texts[Category.MATCH] and "♈" in texts[Category.MATCH]
    assert "🌖" in texts[Category.MOON]
    assert "☉ ♏" in texts[Category.AVATAR] and texts[Category.AVATAR].endswith("brave, kind")
    assert texts[Category.STUDIO] == "<b>Big &lt;news&gt; &amp; «más»</b>"


def test_english_captions_read_as_before():
    with I18N.context(), I18N.use_locale("en"):
        assert caption(SAMPLES[Category.MATCH]).startswith("<b>♈ Aries + ♎ Libra</b>: ")
        assert caption(SAMPLES[Category.MATCH]).endswith("% compatible")
        assert caption(SAMPLES[Category.DAILY]) == (
            "<b>♌ Leo</b> today\nEnergy: ●●●●●●●●●○ 9/10\nMood: bold · Focus: love"
        )
        assert caption(StudioParams("")) == "<b></b>"
