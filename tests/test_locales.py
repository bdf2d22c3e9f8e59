"""Every message exists in en, es and ru, and the shipped .mo files match the .po files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from services.studio.catalog import UI_LANGUAGES

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_message_is_translated(language: str):
    template_ids = template()
    messages = catalog(language)
    translated = {m.id for m in messages if m.id and m.string and not m.fuzzy}
    assert template_ids - translated == set()


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language: str):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    with (LOCALES / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        shipped = read_mo(handle)
    compiled.seek(0)
    expected = read_mo(compiled)
    assert {m.id: m.string for m in shipped if m.id} == {m.id: m.string for m in expected if m.id}


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_placeholders_survive_translation(language: str):
    for message in catalog(language):
        if message.id and message.string:
            fields = set(re.findall(r"\{(\w+)", message.id))
            assert set(re.findall(r"\{(\w+)", message.string)) == fields, message.id


def test_template_holds_every_string_in_the_code():
    keywords = {**DEFAULT_KEYWORDS, "_noop": None}
    in_code = set()
    for folder in ("bot", "handlers", "services", "ui", "webapp"):
        for _, _, message, _, _ in extract_from_dir(LOCALES.parent / folder, keywords=keywords):
            in_code.add(message if isinstance(message, str) else message[0])
    assert in_code - template() == set(), "run the pybabel extract/update steps in README"


def template() -> set[str]:
    with (LOCALES / "messages.pot").open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}
