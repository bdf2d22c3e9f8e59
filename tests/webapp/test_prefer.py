"""RFC 7240's Prefer header, read as the RFC writes it: a list, names in any case, values
quoted or not, parameters after `;`, several headers, the first of a name counting."""

from __future__ import annotations

import pytest

from webapp.prefer import preferences, prefers_async


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["respond-async"], {"respond-async": ""}),
        (["Respond-Async, WAIT=10"], {"respond-async": "", "wait": "10"}),
        (["wait = 5 ; because=1"], {"wait": "5"}),
        (['return="a, b; c", respond-async'], {"return": "a, b; c", "respond-async": ""}),
        (['x="say \\"hi\\""'], {"x": 'say "hi"'}),
        (["wait=10", "wait=20, handling=lenient"], {"wait": "10", "handling": "lenient"}),
        ([" , ,", ""], {}),
    ],
)
def test_preferences(headers: list[str], expected: dict[str, str]):
    assert preferences(headers) == expected


@pytest.mark.parametrize(
    ("headers", "wanted"),
    [
        (["respond-async"], True),
        (["handling=strict", "RESPOND-ASYNC; x=y"], True),
        (['return="respond-async"'], False),
        (["respond-asynchronously"], False),
        ([], False),
    ],
)
def test_respond_async(headers: list[str], wanted: bool):
    assert prefers_async(headers) is wanted
