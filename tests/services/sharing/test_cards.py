"""Share cards: exact sizes, overlays inside the safe area and apart, text that fits,
and a QR code that decodes to the sharer's deep link."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from services.cosmic.art import render_daily
from services.cosmic.astro import sign
from services.sharing.cards import SIZES, CardFormat, CardText, layout, render_card
from services.studio.poster import render_studio_image

LINK = "https://t.me/cosmic_studio_test_bot?start=ref_1001"
COSMIC = CardText(
    "♌ Leo",
    "Energy 8/10 · radiant · career",
    "24 Nov 2026",
    "Created with @cosmic_studio_test_bot",
    LINK,
    energy=8,
)
LONG = CardText(
    "Шесть месяцев назад я почти сдалась — и как хорошо, что не сдалась! "
    "Geschäftsführerinnenversammlungsprotokoll",
    "Erfolgsgeschichte · Kleinunternehmerinnen und Kleinunternehmer in der Hauptstadt",
    "24 Nov 2026",
    "Created with @cosmic_studio_test_bot",
    LINK,
)


@pytest.fixture(scope="module")
def square_art() -> Image.Image:
    return render_daily(sign("leo").palette, "leo", 8, seed=1, size=512)


@pytest.fixture(scope="module")
def wide_art() -> Image.Image:
    return render_studio_image("Hook", "Tip", ("#118AB2", "#73E2FF", "#06D6A0"), size=(960, 540))


def inside(box, outer) -> bool:
    return outer[0] <= box[0] < box[2] <= outer[2] and outer[1] <= box[1] < box[3] <= outer[3]


def apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("card", list(CardFormat))
def test_layout_keeps_everything_in_the_safe_area_and_apart(card):
    spot = layout(card)
    boxes = [spot.headline, spot.line, spot.energy, spot.footer, spot.qr]
    assert all(inside(box, spot.safe) for box in boxes)
    for index, box in enumerate(boxes):
        assert all(apart(box, other) for other in boxes[index + 1 :])


@pytest.mark.parametrize("card", list(CardFormat))
@pytest.mark.parametrize("art", ["square_art", "wide_art"])
def test_cards_have_exact_sizes_and_a_qr_that_opens_the_bot(card, art, request):
    png = render_card(request.getfixturevalue(art), card, COSMIC)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == SIZES[card]
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [LINK]


@pytest.mark.parametrize("card", list(CardFormat))
def test_long_cyrillic_and_german_titles_fit(card, wide_art):
    # Rendering raises nothing and the text is shrunk and cut with an ellipsis to its box:
    # the area outside the text boxes is the same with and without the text.
    plain = CardText("", "", "", "", LINK)
    with_text = Image.open(io.BytesIO(render_card(wide_art, card, LONG))).convert("L")
    without = Image.open(io.BytesIO(render_card(wide_art, card, plain))).convert("L")
    spot = layout(card)
    width, height = spot.size
    gap_top, gap_bottom = spot.line[3] + 4, spot.footer[1] - 4
    if gap_bottom > gap_top:
        band = (0, gap_top, width, gap_bottom)
        assert with_text.crop(band).tobytes() == without.crop(band).tobytes()
    right_margin = (spot.safe[2], 0, width, height)
    assert with_text.crop(right_margin).tobytes() == without.crop(right_margin).tobytes()


def test_cards_are_deterministic(square_art):
    assert render_card(square_art, CardFormat.X, COSMIC) == render_card(
        square_art, CardFormat.X, COSMIC
    )


@pytest.mark.parametrize("card", list(CardFormat))
def test_a_typeset_poster_is_framed_clear_of_every_overlay(card):
    # A pure white "poster": wherever it lands, pixels are white; the blurred, darkened
    # background around it is grey. With no text drawn, white outside the band would mean
    # the poster reaches under the top block or the footer.
    poster = Image.new("RGB", (960, 540), (255, 255, 255))
    text = CardText("", "", "", "", LINK, keep_clear=True)
    image = Image.open(io.BytesIO(render_card(poster, card, text))).convert("L")
    spot = layout(card)
    width = spot.size[0]
    assert image.getpixel((width // 2, (spot.line[3] + spot.footer[1]) // 2)) == 255
    above = image.crop((0, 0, width, spot.line[3]))
    beside_code = image.crop((0, spot.footer[1], spot.qr[0], spot.size[1]))
    assert above.getextrema()[1] < 200 and beside_code.getextrema()[1] < 200
