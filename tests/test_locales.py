"""Every message exists in en, es and ru, and the shipped .mo files match the .po files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n, ngettext
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from services.studio.catalog import UI_LANGUAGES

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def key(message_id: str | tuple[str, ...] | list[str]) -> str:
    """A message's singular msgid (a plural message's id is its singular and plural)."""
    return message_id if isinstance(message_id, str) else message_id[0]


def forms(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A translation's forms: one, or one a plural form (en, es: 2; ru: 3)."""
    return (text,) if isinstance(text, str) else tuple(text)


def catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_message_is_translated(language: str):
    template_ids = template()
    messages = catalog(language)
    translated = {key(m.id) for m in messages if m.id and all(forms(m.string)) and not m.fuzzy}
    assert template_ids - translated == set()
    plural_forms = messages.num_plurals
    for message in messages:
        if message.id and not isinstance(message.id, str):
            assert len(forms(message.string)) == plural_forms, message.id


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language: str):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    with (LOCALES / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        shipped = read_mo(handle)
    compiled.seek(0)
    expected = read_mo(compiled)
    shipped_strings = {key(m.id): forms(m.string) for m in shipped if m.id}
    assert shipped_strings == {key(m.id): forms(m.string) for m in expected if m.id}


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_placeholders_survive_translation(language: str):
    for message in catalog(language):
        if message.id and message.string:
            fields = set(re.findall(r"\{(\w+)", key(message.id)))
            for form in forms(message.string):
                assert set(re.findall(r"\{(\w+)", form)) == fields, message.id


def test_template_holds_every_string_in_the_code():
    keywords = {**DEFAULT_KEYWORDS, "_noop": None, "_nnoop": (1, 2)}
    in_code = set()
    for folder in ("bot", "handlers", "services", "ui", "webapp"):
        for _, _, message, _, _ in extract_from_dir(LOCALES.parent / folder, keywords=keywords):
            in_code.add(message if isinstance(message, str) else message[0])
    assert in_code - template() == set(), "run the pybabel extract/update steps in README"


def template() -> set[str]:
    with (LOCALES / "messages.pot").open("rb") as handle:
        return {key(m.id) for m in read_po(handle) if m.id}


@pytest.mark.parametrize(
    ("language", "count", "said"),
    [
        ("en", 1, "✅ Done! 1 token spent, 9 left."),
        ("en", 2, "✅ Done! 2 tokens spent, 9 left."),
        ("es", 1, "✅ ¡Listo! 1 token gastado, quedan 9."),
        ("ru", 1, "✅ Готово! Списан 1 токен, осталось 9."),
        ("ru", 3, "✅ Готово! Списано 3 токена, осталось 9."),
        ("ru", 11, "✅ Готово! Списано 11 токенов, осталось 9."),
        ("ru", 21, "✅ Готово! Списан 21 токен, осталось 9."),
    ],
)
def test_counted_tokens_take_the_languages_plural_forms(language: str, count: int, said: str):
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale(language):
        done = ngettext(
            "✅ Done! {cost} token spent, {balance} left.",
            "✅ Done! {cost} tokens spent, {balance} left.",
            count,
        )
    assert done.format(cost=count, balance=9) == said
