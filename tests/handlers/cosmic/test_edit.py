"""✏️ Edit under a Cosmic Coach image, through the real dispatcher and the strict Telegram
stand-in: the local renderer here (no keys), the cloud models through the real OpenAI SDK
against the provider stand-in in tests/handlers/cosmic/test_edit_cloud.py. An edit takes
one weekly use, like a new image, and gives it back once when it fails."""

from __future__ import annotations

import copy

from tests.conftest import ADMIN_ID, PARTNER_ID, Driver
from tests.fakes.telegram import FakeTelegram, StoredMessage
from tests.handlers.studio.test_edit import purple_excess

USER = PARTNER_ID
OTHER = 3003


def photos(driver: Driver) -> list[StoredMessage]:
    return [m for m in driver.telegram.chat_messages(USER) if m.photo]


def report(driver: Driver) -> str:
    """The last word on an edit: the "editing…" message as it ended."""
    return next(t for t in reversed(driver.texts(USER)) if t.startswith(("✅", "🤷", "❌")))


async def used(driver: Driver) -> int:
    account = await driver.app.services.accounts.get(USER)
    assert account is not None
    return (await driver.app.services.cosmic.usage_of(account)).used


async def use_up(driver: Driver, count: int) -> None:
    """`count` of this week's uses spent elsewhere (as another image would)."""
    cosmic = driver.app.services.cosmic
    week = cosmic.clock.week_start().isoformat()
    for number in range(count):
        use = await cosmic.usage.reserve(USER, week, "daily", f"elsewhere:{number}", None)
        assert use is not None
        await cosmic.usage.settle(use, keep=True)


async def make_an_image(driver: Driver, tier: str = "cosmic") -> StoredMessage:
    """A personal image of today's energy, as the person received it."""
    await driver.send(ADMIN_ID, f"/tier {USER} {tier} 30")
    await driver.send(USER, "/daily")
    await driver.press(USER, "Aries")
    await driver.press(USER, "Create my image")
    return photos(driver)[-1]


async def edit(driver: Driver, photo: StoredMessage, words: str) -> None:
    await driver.press(USER, "✏️ Edit", photo)
    await driver.send(USER, words)


async def test_the_local_renderer_makes_it_more_purple_for_one_weekly_use(driver: Driver):
    photo = await make_an_image(driver)
    before = await used(driver)
    await driver.press(USER, "✏️ Edit", photo)
    question = driver.texts(USER)[-1]
    assert "What should I change in this picture?" in question
    assert "An edit takes one of this week's images: 2 left." in question
    await driver.send(USER, "more purple and add a cat")

    original, edited = photos(driver)
    assert original.photo is not None and edited.photo is not None
    assert purple_excess(edited.photo) > purple_excess(original.photo) + 5
    assert edited.visible == f"{original.visible}\n\n✏️ Edited at your request."
    assert [b["text"] for b in edited.buttons] == [b["text"] for b in original.buttons]
    told = report(driver)
    assert "I changed: more purple." in told
    assert "I could not: add a cat." in told
    assert "This week's images left: 1." in told
    assert await used(driver) == before + 1

    images, total = await driver.app.services.cosmic.images.listing(USER, 10, 0)
    newest = images[0]
    assert total == 2 and newest.prompt == "edit: more purple and add a cat"
    assert newest.file_id is not None and newest.model == "cosmic-edit-v1"
    assert newest.category == images[1].category and newest.params == images[1].params


async def test_edit_again_starts_from_the_edited_picture_and_keeps_one_edited_line(
    driver: Driver,
):
    photo = await make_an_image(driver, "universe")
    await edit(driver, photo, "more purple")
    await edit(driver, photos(driver)[-1], "fewer stars, darker")
    original, once, twice = photos(driver)
    assert original.photo and once.photo and twice.photo
    assert purple_excess(twice.photo) > purple_excess(original.photo) + 5
    assert twice.visible == once.visible
    assert twice.visible.count("Edited at your request") == 1
    assert "I changed: fewer stars, darker." in report(driver)
    assert "left" not in report(driver)  # the universe plan has no weekly limit


async def test_nothing_it_can_do_gives_the_use_back(driver: Driver):
    photo = await make_an_image(driver)
    before = await used(driver)
    await edit(driver, photo, "add a cat")
    assert len(photos(driver)) == 1
    told = report(driver)
    assert "I could not do any of it: add a cat." in told
    assert "Your weekly use is back." in told
    assert await used(driver) == before


async def test_at_the_limit_it_says_when_the_week_resets_and_takes_nothing(driver: Driver):
    photo = await make_an_image(driver)
    await use_up(driver, 2)
    assert await used(driver) == 3
    await driver.press(USER, "✏️ Edit", photo)
    assert "You have used this week's images. The week resets" in driver.texts(USER)[-1]
    await driver.send(USER, "more purple")
    assert len(photos(driver)) == 1 and await used(driver) == 3


async def test_a_limit_reached_while_typing_is_checked_when_it_is_sent(driver: Driver):
    photo = await make_an_image(driver)
    await driver.press(USER, "✏️ Edit", photo)
    await use_up(driver, 2)  # the last two uses went elsewhere meanwhile
    await driver.send(USER, "more purple")
    assert "You have used this week's images. The week resets" in driver.texts(USER)[-1]
    assert len(photos(driver)) == 1 and await used(driver) == 3
    await driver.send(ADMIN_ID, f"/tier {USER} universe 30")  # nothing was left held
    await edit(driver, photo, "more purple")
    assert len(photos(driver)) == 2


async def test_the_request_is_escaped_and_capped(driver: Driver):
    photo = await make_an_image(driver)
    words = "<b>bluer</b> & \u202eadd <script>x</script>\x00" + " cat" * 100
    await edit(driver, photo, words)
    told = report(driver)
    assert "I changed: bluer." in told
    assert "<script>" in told  # shown as typed: it was escaped for Telegram
    sent = driver.telegram.sent("editMessageText", USER)[-1].params["text"]
    assert "&lt;script&gt;" in sent and "\u202e" not in sent and "\x00" not in sent
    progress = driver.telegram.sent("sendMessage", USER)[-1].params["text"]
    assert "&lt;b&gt;bluer&lt;/b&gt; &amp;" in progress
    images, _ = await driver.app.services.cosmic.images.listing(USER, 1, 0)
    assert len(images[0].prompt.removeprefix("edit: ")) <= 200


async def test_cancel_leaves_the_picture_and_the_uses_alone(driver: Driver):
    photo = await make_an_image(driver)
    before = await used(driver)
    await driver.press(USER, "✏️ Edit", photo)
    await driver.press(USER, "Cancel")
    assert "Cancelled: the picture stays as it was." in driver.texts(USER)
    await driver.send(USER, "more purple")
    assert len(photos(driver)) == 1 and await used(driver) == before


async def test_no_edit_under_the_shared_daily_image(driver: Driver):
    await driver.send(USER, "/daily")
    await driver.press(USER, "Leo")
    (shared,) = photos(driver)
    assert not any("Edit" in b["text"] for b in shared.buttons)


async def test_another_users_press_and_forged_buttons_change_nothing(
    driver: Driver, telegram: FakeTelegram
):
    photo = copy.deepcopy(await make_an_image(driver))
    before = await used(driver)
    telegram.add_user(OTHER, "Mallory")
    await driver.press(OTHER, "✏️ Edit", photo)
    assert "expired" in driver.alerts()[-1]
    await driver.send(OTHER, "more purple")
    assert telegram.sent("sendPhoto", OTHER) == []
    for forged in ("ae:999999", "ae:abc", "ae:1:x", "ax:1"):
        await driver.feed(telegram.callback_update(USER, photo, forged))
    assert driver.alerts()[-4:] == ["This button has expired. Send /start to begin again."] * 4
    assert len(photos(driver)) == 1 and await used(driver) == before


async def test_one_image_or_edit_at_a_time(driver: Driver):
    photo = await make_an_image(driver)
    before = await used(driver)
    locks = driver.app.services.cosmic.locks
    assert await locks.acquire(USER)  # an image of the person's is being painted
    await edit(driver, photo, "more purple")
    assert "Still painting your last image" in driver.texts(USER)[-1]
    assert len(photos(driver)) == 1 and await used(driver) == before
    await locks.release(USER)
    await edit(driver, photo, "more purple")
    assert len(photos(driver)) == 2 and await used(driver) == before + 1
