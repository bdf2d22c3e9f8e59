"""The studio's choices read as a web client writes them: the chat's English labels or the
short keys, loosely (any case, `_`/`-`/spaces alike); languages by code or name."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.app import LOCALES_DIR
from services.generation.structured import LANGUAGES_IN_ENGLISH
from services.studio.catalog import (
    AUDIENCE_NAMES,
    LANGUAGE_NAMES,
    POST_TYPE_NAMES,
    Audience,
    PostType,
    UnknownChoice,
    parse_audience,
    parse_language,
    parse_post_type,
)
from ui.common.texts import audience_label, post_type_label

I18N = I18n(path=LOCALES_DIR, default_locale="en", domain="messages")
STUDIO_LANGUAGES = ("en", "es", "ru")


def test_the_names_are_the_chats_english_labels():
    with I18N.context(), I18N.use_locale("en"):
        assert {choice: post_type_label(choice) for choice in PostType} == POST_TYPE_NAMES
        assert {choice: audience_label(choice) for choice in Audience} == AUDIENCE_NAMES
    assert set(LANGUAGES_IN_ENGLISH) == set(LANGUAGE_NAMES)


@pytest.mark.parametrize(
    ("written", "post_type"),
    [
        ("Lifestyle Flex", PostType.LIFESTYLE),
        ("  lifestyle_FLEX ", PostType.LIFESTYLE),
        ("fomo-builder", PostType.FOMO),
        ("FOMO", PostType.FOMO),
        ("educational   tip", PostType.TIP),
        ("Tip", PostType.TIP),
        ("_giveaway_", PostType.GIVEAWAY),
    ],
)
def test_a_post_type_by_name_or_key(written: str, post_type: PostType):
    assert parse_post_type(written) is post_type


@pytest.mark.parametrize(
    ("written", "audience"),
    [
        ("Digital Nomads", Audience.NOMADS),
        ("NOMADS", Audience.NOMADS),
        ("small_business_owners", Audience.SMALL_BUSINESS),
        ("SMB", Audience.SMALL_BUSINESS),
        ("Small-Business", Audience.SMALL_BUSINESS),
        (" crypto traders ", Audience.CRYPTO),
    ],
)
def test_an_audience_by_name_or_key(written: str, audience: Audience):
    assert parse_audience(written) is audience


@pytest.mark.parametrize(
    ("written", "code"),
    [("English", "en"), ("SPANISH", "es"), (" russian ", "ru"), ("ES", "es"), ("Русский", "ru")],
)
def test_a_language_by_code_or_name(written: str, code: str):
    assert parse_language(written, STUDIO_LANGUAGES) == code


def test_what_is_not_accepted_names_what_is():
    with pytest.raises(UnknownChoice) as unknown:
        parse_post_type("Lifestyle Flexx")
    assert "Lifestyle Flex (lifestyle)" in unknown.value.accepted
    with pytest.raises(UnknownChoice) as unknown:
        parse_audience("")
    assert "Digital Nomads (nomads)" in unknown.value.accepted
    with pytest.raises(UnknownChoice) as unknown:
        parse_language("German", STUDIO_LANGUAGES)  # a language, but not one the studio writes
    assert unknown.value.accepted == ("English (en)", "Spanish (es)", "Russian (ru)")
