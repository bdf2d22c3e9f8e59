from __future__ import annotations

import asyncio

from tests.conftest import PARTNER_ID, Driver


async def test_start_greets_in_the_users_language(driver: Driver):
    driver.telegram.add_user(2002, "Lucía", language="es")
    await driver.send(2002, "/start")
    message = driver.telegram.chat_messages(2002)[-1]
    assert "¡Hola, Lucía!" in (message.text or "")
    labels = [button["text"] for button in message.buttons]
    assert "✨ Viral Studio" in labels and "💰 Saldo" in labels


async def test_unsupported_language_falls_back_to_english(driver: Driver):
    driver.telegram.add_user(2003, "Jean", language="fr")
    await driver.send(2003, "/start payload-from-a-deep-link")
    assert "Hi, Jean!" in driver.texts(2003)[-1]


async def test_name_with_html_is_escaped(driver: Driver):
    driver.telegram.add_user(2004, "<b>Bob & Co</b>")
    await driver.send(2004, "/start")
    assert "Hi, <b>Bob & Co</b>!" in driver.texts(2004)[-1]


async def test_language_switch_changes_later_answers(driver: Driver):
    await driver.send(PARTNER_ID, "/language")
    await driver.press(PARTNER_ID, "Русский")
    assert "по-русски" in driver.texts(PARTNER_ID)[-1]
    await driver.send(PARTNER_ID, "/help")
    assert "Команды" in driver.texts(PARTNER_ID)[-1]


async def test_balance_shows_tokens(driver: Driver):
    await driver.make_pro()
    await driver.send(PARTNER_ID, "/balance")
    assert "500 tokens" in driver.texts(PARTNER_ID)[-1]
    assert f"Your id (for your manager): {PARTNER_ID}" in driver.texts(PARTNER_ID)[-1]


async def test_unknown_text_gets_short_help(driver: Driver):
    await driver.send(PARTNER_ID, "<b>hello</b> & bye")
    assert "/studio" in driver.texts(PARTNER_ID)[-1]


async def test_startup_registers_commands_in_every_language(driver: Driver):
    await driver.app.dispatcher.emit_startup(bot=driver.app.bot)
    calls = driver.telegram.sent("setMyCommands")
    assert {call.params.get("language_code") for call in calls} == {None, "es", "ru"}
    spanish = next(c for c in calls if c.params.get("language_code") == "es")
    assert {"command": "studio", "description": "Crear un post viral (PRO)"} in spanish.params[
        "commands"
    ]


async def test_cancel_leaves_the_flow(driver: Driver):
    await driver.make_pro()
    await driver.send(PARTNER_ID, "/studio")
    await driver.send(PARTNER_ID, "/cancel")
    assert "Cancelled" in driver.texts(PARTNER_ID)[-1]


async def test_startup_refunds_reservations_left_by_a_crash(settings, telegram):
    from tests.conftest import make_driver

    quick = settings.model_copy(  # no scheduler: its catch-up would paint the day's batch
        update={
            "generation_timeout": 0.01,
            "sweep_margin": 0,
            "owner_timeout": 0.02,
            "heartbeat_seconds": 0.01,
            "scheduler_enabled": False,
        }
    )
    crashed = await make_driver(quick, telegram)
    await crashed.make_pro()
    await crashed.app.services.ledger.reserve(PARTNER_ID, 2, "crashed-post", "studio post")
    assert await crashed.balance() == 498
    await crashed.app.services.owners.stop()  # the process that held it is gone
    await crashed.app.close(grace=0)
    await asyncio.sleep(0.1)
    restarted = await make_driver(quick, telegram)
    try:
        await restarted.app.dispatcher.emit_startup(bot=restarted.app.bot)
        assert await restarted.balance() == 500
    finally:
        await restarted.app.close()
