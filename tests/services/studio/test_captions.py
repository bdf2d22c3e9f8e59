from __future__ import annotations

from services.studio.captions import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    cut_at_word,
    render_post,
    visible_length,
)
from services.studio.models import PostText
from tests.fakes.botapi_rules import parse_html, utf16_length


def post(body: str, title: str = "Big <news> & more") -> PostText:
    return PostText(
        title=title,
        body=body,
        hashtags=("#Crypto", "#Web3"),
        link_line="👉 Start here: https://x.io/?a=1&b=2",
    )


def test_short_post_fits_whole_in_the_caption():
    rendered = render_post(post("One line body."))
    assert rendered.complete
    visible = parse_html(rendered.caption)
    assert visible.startswith("Big <news> & more\n\nOne line body.")
    assert visible.endswith("https://x.io/?a=1&b=2")


def test_long_post_is_cut_between_words_and_sent_in_full():
    body = " ".join(f"word{i}" for i in range(400))
    rendered = render_post(post(body))
    visible = parse_html(rendered.caption)
    assert not rendered.complete
    assert utf16_length(visible) <= CAPTION_LIMIT
    cut_line = visible.split("\n\n")[1]
    assert cut_line.endswith("…")
    assert cut_line.removesuffix("…").split()[-1] in body.split()
    assert "#Crypto #Web3" in visible
    assert body in parse_html("".join(rendered.full_messages))


def test_emoji_count_as_two_units():
    body = "🚀" * 600
    rendered = render_post(post(body + " end"))
    assert utf16_length(parse_html(rendered.caption)) <= CAPTION_LIMIT


def test_huge_post_is_split_into_valid_messages():
    body = "\n\n".join("Paragraph " + "x" * 1500 for _ in range(6))
    rendered = render_post(post(body))
    assert len(rendered.full_messages) >= 3
    for message in rendered.full_messages:
        assert 0 < utf16_length(parse_html(message)) <= MESSAGE_LIMIT


def test_cut_at_word_never_splits_a_word():
    assert cut_at_word("alpha beta gamma", 12) == "alpha beta…"
    assert cut_at_word("alpha", 10) == "alpha"
    assert visible_length(cut_at_word("a" * 50, 10)) <= 10
