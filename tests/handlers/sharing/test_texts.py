"""The sharing tables: every category has a share text and card lines, in every language."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.utils.i18n import I18n

from bot.app import LOCALES_DIR
from services.core.categories import Category, Params
from services.core.image_repo import StoredImage
from tests.services.core.test_categories import SAMPLES
from ui.sharing.texts import CARD_LINES, SHARE_TEXTS, card_text, share_text

SAMPLE_DAY = date(2026, 11, 30)
I18N = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")


def stored(params: Params, provider: str = "local") -> StoredImage:
    return StoredImage(
        id=1,
        user_id=7,
        params=params,
        prompt="p",
        provider=provider,
        model="m",
        quality="standard",
        cost_usd=0.0,
        path="x.png",
        caption="",
        shared=False,
        favourite=False,
        created_at=0.0,
    )


def test_every_category_has_a_share_text_and_card_lines():
    assert set(SHARE_TEXTS) == set(CARD_LINES) == set(Category)


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_share_texts_and_cards_in_every_language(language: str):
    with I18N.context(), I18N.use_locale(language):
        texts = {c: share_text(stored(p)) for c, p in SAMPLES.items()}
        cards = {c: card_text(stored(p), "cosmic_bot", 7, SAMPLE_DAY) for c, p in SAMPLES.items()}
    assert all(texts.values()) and len(set(texts.values())) == len(texts)
    assert texts[Category.STUDIO] == "<b>Big &lt;news&gt; &amp; «más»</b>"
    assert all(
        card.line and card.link == "https://t.me/cosmic_bot?start=ref_7" for card in cards.values()
    )
    assert cards[Category.DAILY].energy == 9 and cards[Category.DAILY].headline == (
        "♌ " + {"en": "Leo", "es": "Leo", "ru": "Лев"}[language]
    )
    assert [c for c, card in cards.items() if card.energy is not None] == [Category.DAILY]
    assert cards[Category.AVATAR].headline == "☉ ♏ · ☽ ♋ · ↑ ♌"
    assert cards[Category.AVATAR].line == "brave, kind"
    # A local poster carries its own title: the card keeps clear of it and does not repeat it.
    assert cards[Category.STUDIO].keep_clear and cards[Category.STUDIO].headline == ""


def test_a_cloud_studio_picture_gets_its_title_on_the_card_and_shares_its_caption():
    with I18N.context(), I18N.use_locale("en"):
        card = card_text(stored(SAMPLES[Category.STUDIO], "openai"), "b", 1, SAMPLE_DAY)
        assert share_text(stored(SAMPLES[Category.STUDIO]), "<b>T</b>\nbody") == "<b>T</b>\nbody"
        assert share_text(stored(SAMPLES[Category.DAILY]), "<b>T</b>") == (
            "My cosmic energy today! ✨ #CosmicCoach"
        )
    assert card.headline == "Big <news> & «más»" and not card.keep_clear
