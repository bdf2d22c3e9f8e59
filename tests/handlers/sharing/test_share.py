"""Share cards, inline sharing, counted shares, viral notices, rewards and referrals."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from bot.config import Settings
from services.core.image_repo import NewImage
from tests.conftest import ADMIN_ID, PARTNER_ID, Driver, make_driver
from tests.fakes.telegram import BOT_USER, FakeTelegram

USER = PARTNER_ID
OTHER = 3003


@pytest.fixture
def telegram(telegram: FakeTelegram) -> FakeTelegram:
    telegram.add_user(OTHER, "Olga", "es")
    return telegram


@pytest.fixture
async def sharing(settings: Settings, telegram: FakeTelegram):
    """A bot with low thresholds: 1 share in 24 h makes an image viral, 2 earn the reward."""
    configured = settings.model_copy(update={"viral_shares": 1, "reward_shares": 2})
    driver = await make_driver(configured, telegram)
    yield driver
    await driver.app.close()
    assert telegram.errors == [], "the bot made calls that Telegram would reject"


async def daily_image(driver: Driver, user_id: int = USER):
    await driver.send(ADMIN_ID, f"/tier {user_id} universe 30")
    await driver.send(user_id, "/daily")
    await driver.press(user_id, "♌")
    await driver.press(user_id, "✨")
    return [m for m in driver.telegram.chat_messages(user_id) if m.photo][-1]


async def test_cards_in_four_formats_with_a_referral_qr(driver: Driver):
    photo = await daily_image(driver)
    await driver.press(USER, "Cards", photo)
    await driver.press(USER, "Instagram")
    card = [m for m in driver.telegram.chat_messages(USER) if m.photo][-1]
    assert Image.open(io.BytesIO(card.photo)).size == (1080, 1080)
    assert "#CosmicCoach" in card.visible
    menu = driver.telegram.last_with_buttons(USER)
    await driver.press(USER, "⬇️ Story", menu)
    (document,) = driver.telegram.sent("sendDocument", USER)
    story = Image.open(io.BytesIO(next(iter(document.files.values()))))
    assert story.format == "PNG" and story.size == (1080, 1920)
    link = f"https://t.me/{BOT_USER['username']}?start=ref_{USER}"
    assert [code.text for code in zxingcpp.read_barcodes(story)] == [link]
    rows = await driver.app.services.db.fetch_all("SELECT kind, detail FROM events")
    assert [tuple(row) for row in rows] == [("download", "card:ig_story")]


async def test_inline_mode_offers_only_your_own_images_and_cards(driver: Driver):
    photo = await daily_image(driver)
    await driver.press(USER, "Cards", photo)
    await driver.press(USER, "X ▭")
    await driver.feed(driver.telegram.inline_query(USER, "img:1"))
    answer = driver.telegram.inline_answers[-1]
    ids = [result["id"] for result in answer["results"]]
    assert ids[0].startswith("i") and any(i.startswith("c") for i in ids)
    assert answer["is_personal"] is True and answer["cache_time"] <= 60
    await driver.send(OTHER, "/start")
    await driver.feed(driver.telegram.inline_query(OTHER, "img:1"))
    assert driver.telegram.inline_answers[-1]["results"] == []


async def test_inline_results_are_paged_by_fifty(driver: Driver):
    photo = await daily_image(driver)
    image = (await driver.app.services.cosmic.images.page(USER, 0))[0]
    async with driver.app.services.db.transaction() as tx:
        for _ in range(59):
            copy = NewImage(
                USER,
                image.params,
                image.prompt,
                image.provider,
                image.model,
                image.quality,
                0.0,
                image.path,
                file_id=image.file_id,
            )
            await driver.app.services.cosmic.images.insert(tx, copy)
    assert photo.photo is not None
    await driver.feed(driver.telegram.inline_query(USER))
    first = driver.telegram.inline_answers[-1]
    assert len(first["results"]) == 50 and first["next_offset"] == "50"
    await driver.feed(driver.telegram.inline_query(USER, offset="50"))
    second = driver.telegram.inline_answers[-1]
    assert len(second["results"]) == 10 and not second.get("next_offset")


async def test_shares_count_once_a_day_go_viral_once_and_earn_the_reward_once(
    sharing: Driver,
):
    await daily_image(sharing)
    await sharing.send(USER, "/daily")
    await sharing.press(USER, "✨")  # a second image, of the sign remembered
    images = sharing.app.services.cosmic.images
    first, second = [(await images.page(USER, i))[0] for i in (1, 0)]
    for _ in range(3):  # the same image shared again that day: one share
        await sharing.feed(sharing.telegram.choose(USER, f"i{first.id}"))
    shares = "SELECT COUNT(*) FROM events WHERE kind = 'share'"
    assert (await sharing.app.services.db.fetch_one(shares))[0] == 1
    assert not any("free Cosmic week" in text for text in sharing.texts(USER))
    await sharing.feed(sharing.telegram.choose(USER, f"i{second.id}"))
    await sharing.feed(sharing.telegram.choose(USER, f"i{second.id}"))
    assert sum("free Cosmic week" in t for t in sharing.texts(USER)) == 1
    account = await sharing.app.services.accounts.get(USER)
    assert account is not None and account.tier == "universe"  # the reward extends it
    notices = [m for m in sharing.telegram.chat_messages(ADMIN_ID) if m.photo]
    assert len(notices) == 2 and all("went viral" in n.visible for n in notices)
    await sharing.send(ADMIN_ID, "/stats")
    stats = sharing.texts(ADMIN_ID)[-1]
    assert "2 shares" in stats and f"#{first.id}: 1 shares" in stats and "Viral" in stats


async def test_someone_elses_result_id_counts_nothing(driver: Driver):
    await daily_image(driver)
    image = (await driver.app.services.cosmic.images.page(USER, 0))[0]
    await driver.send(OTHER, "/start")
    await driver.feed(driver.telegram.choose(OTHER, f"i{image.id}"))
    await driver.feed(driver.telegram.choose(OTHER, "cx"))
    row = await driver.app.services.db.fetch_one("SELECT COUNT(*) FROM events")
    assert row[0] == 0


async def test_referrals_first_link_wins_and_never_yourself(driver: Driver):
    await driver.send(USER, "/start")
    await driver.send(OTHER, f"/start ref_{USER}")
    await driver.send(OTHER, f"/start ref_{ADMIN_ID}")
    await driver.send(USER, f"/start ref_{USER}")
    await driver.send(USER, "/usage")
    assert "Friends who joined through your shares: 1" in driver.texts(USER)[-1]
    other = await driver.app.services.accounts.get(OTHER)
    row = await driver.app.services.db.fetch_one(
        "SELECT referred_by FROM accounts WHERE user_id = ?", (OTHER,)
    )
    assert other is not None and row[0] == USER


async def test_studio_posts_have_cards_and_share_their_caption(driver: Driver):
    await driver.make_pro()
    await driver.send(USER, "/studio")
    for label in ("Success Story", "Investors", "English"):
        await driver.press(USER, label)
    await driver.send(USER, "https://example.com/ref/7")
    await driver.press(USER, "Generate")
    post_photo = [m for m in driver.telegram.chat_messages(USER) if m.photo][-1]
    share = next(b for b in post_photo.buttons if "Share" in b["text"])
    query = share["switch_inline_query_chosen_chat"]["query"]
    await driver.press(USER, "Cards", post_photo)
    await driver.press(USER, "Facebook")
    card = [m for m in driver.telegram.chat_messages(USER) if m.photo][-1]
    assert Image.open(io.BytesIO(card.photo)).size == (1200, 630)
    assert "https://example.com/ref/7" in card.visible  # the post's own caption
    await driver.feed(driver.telegram.inline_query(USER, query))
    results = driver.telegram.inline_answers[-1]["results"]
    assert results[0]["id"].startswith("i") and "example.com/ref/7" in results[0]["caption"]
