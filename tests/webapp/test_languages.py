"""The API's own messages speak the caller's language: their account's, or (before the
init data is accepted) the language their init data names."""

from __future__ import annotations

from tests.test_web import Web
from tests.webapp.conftest import FAN_ID, auth


async def test_a_forged_init_data_is_refused_in_spanish(web: Web):
    forged = auth(FAN_ID, token="123456:OTHER-token", language="es")
    answer = await web.client.get("/api/me", headers=forged)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == (
        "Los datos de inicio de Telegram no están firmados por este bot."
    )
    expired = await web.client.get("/api/me", headers=auth(FAN_ID, auth_date=1, language="es"))
    assert expired.json()["error"]["message"] == (
        "Los datos de inicio de Telegram han caducado: vuelve a abrir la app."
    )


async def test_another_users_image_is_not_found_in_russian(web: Web):
    answer = await web.client.get("/api/images/424242", headers=auth(FAN_ID, language="ru"))
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "Такого изображения нет в вашей галерее."


async def test_the_accounts_language_wins_over_the_telegram_apps(web: Web):
    await web.app.services.accounts.get_or_create(FAN_ID, "en")
    await web.app.services.accounts.set_language(FAN_ID, "ru")  # chosen with /language
    answer = await web.client.get("/api/images/admin/stats", headers=auth(FAN_ID, language="es"))
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "Это только для администраторов бота."


async def test_without_any_language_the_default_one(web: Web):
    answer = await web.client.get("/api/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == (
        "Open this from the bot: the Telegram init data is missing."
    )
    spanish = await web.client.get("/api/me", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert spanish.json()["error"]["message"].startswith("Ábrelo desde el bot")
    unknown = await web.client.get("/api/nothing-here", headers=auth(FAN_ID, language="ru"))
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (404, "Не найдено")
