"""With an HTTPS WEBHOOK_URL, the bot's menu button opens the Mini App."""

from __future__ import annotations

from tests.test_web import Web


async def test_the_menu_button_opens_the_mini_app(web: Web):
    bot = web.app.bot
    await web.app.dispatcher.emit_startup(bot=bot, dispatcher=web.app.dispatcher, bots=[bot])
    [call] = web.telegram.sent("setChatMenuButton")
    button = call.params["menu_button"]
    assert button["type"] == "web_app"
    assert button["web_app"]["url"] == "https://bot.example.com/app/"
    assert button["text"] == "Open app"
    page = await web.client.get("/app/")
    assert page.status_code == 200
    assert '<script src="https://telegram.org/js/telegram-web-app.js"></script>' in page.text
