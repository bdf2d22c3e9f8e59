"""The stand-in must reject what Telegram rejects, or the other tests prove nothing."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Settings
from bot.telegram.session import build_bot
from tests.fakes.botapi_rules import BotAPIError, parse_html
from tests.fakes.images import tiny_png
from tests.fakes.session import FakeTelegramSession
from tests.fakes.telegram import FakeTelegram

USER = 5


@pytest.fixture
async def bot(settings: Settings):
    telegram = FakeTelegram()
    telegram.add_user(USER)
    made = build_bot(settings, FakeTelegramSession(telegram))
    yield made
    await made.session.close()


@pytest.mark.parametrize("text", ["a < b", "<x>hi</x>", "Tom & Jerry", "<b>open", "</b>"])
async def test_unescaped_html_is_a_400(bot, text: str):
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, text)


async def test_limits_are_enforced(bot):
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(USER, BufferedInputFile(tiny_png(), "a.png"), caption="😀" * 513)
    long_data = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "hi", reply_markup=long_data)


async def test_same_edit_is_not_modified_and_unknown_chats_fail(bot):
    sent = await bot.send_message(USER, "<b>same</b>")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>same</b>", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hi")


async def test_blocked_user_is_forbidden(bot):
    bot.session.telegram.blocked.add(USER)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(USER, "hi")


def test_entities_decode_like_telegram():
    assert parse_html("<b>1 &lt; 2 &amp;&amp; 3 &gt; 2</b> &#128640;") == "1 < 2 && 3 > 2 🚀"


async def test_flood_limit_is_waited_out(bot):
    telegram = bot.session.telegram
    telegram.fail_next["sendMessage"] = BotAPIError(
        429, "Too Many Requests: retry after 1", retry_after=1
    )
    message = await bot.send_message(USER, "after the wait")
    assert message.text == "after the wait"
    assert [call.method for call in telegram.calls] == ["sendMessage", "sendMessage"]
    assert telegram.calls[1].at - telegram.calls[0].at >= 0.9
