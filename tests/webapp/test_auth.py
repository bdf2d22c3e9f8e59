"""Who may call the API: Telegram's signed init data, fresh, of this bot; admins for the
admin routes. Anything else is a 401 (403) with a readable message, and nothing happens."""

from __future__ import annotations

import time

import pytest

from tests.test_web import Web
from tests.webapp.conftest import ADMIN_ID, FAN_ID, auth
from tests.webapp.initdata import init_data


async def test_signed_init_data_opens_the_api_and_makes_the_account(web: Web):
    response = await web.client.get("/api/me", headers=auth(FAN_ID, first_name="Fan"))
    assert response.status_code == 200
    me = response.json()
    assert (me["user_id"], me["first_name"], me["tier"], me["is_admin"]) == (
        FAN_ID,
        "Fan",
        "free",
        False,
    )
    assert await web.app.services.accounts.get(FAN_ID) is not None


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": ""}, id="empty"),
        pytest.param({"Authorization": f"Bearer {init_data(FAN_ID)}"}, id="wrong-scheme"),
        pytest.param({"Authorization": "tma "}, id="no-data"),
        pytest.param({"Authorization": "tma not&a=query%%string"}, id="garbage"),
        pytest.param(auth(FAN_ID, token="654321:ANOTHER-bots-token"), id="forged"),
        pytest.param(auth(FAN_ID, auth_date=time.time() - 86_401), id="expired"),
        pytest.param(auth(FAN_ID, auth_date=time.time() + 3_600), id="from-the-future"),
    ],
)
async def test_missing_forged_or_expired_init_data_is_401(web: Web, headers: dict[str, str]):
    for method, path in (("GET", "/api/me"), ("GET", "/api/images/my-gallery")):
        response = await web.client.request(method, path, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["message"]
    assert await web.app.services.accounts.get(FAN_ID) is None


async def test_tampered_user_breaks_the_signature(web: Web):
    data = init_data(FAN_ID).replace(str(FAN_ID), str(ADMIN_ID))
    response = await web.client.get("/api/me", headers={"Authorization": f"tma {data}"})
    assert response.status_code == 401


async def test_max_age_is_a_setting(web: Web):
    web.app.settings.webapp_auth_max_age = 60
    response = await web.client.get("/api/me", headers=auth(FAN_ID, auth_date=time.time() - 120))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


async def test_admin_routes_need_an_admin(web: Web):
    response = await web.client.get("/api/images/admin/cost-report", headers=auth(FAN_ID))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This is for the bot's admins only."
    response = await web.client.get("/api/images/admin/cost-report", headers=auth(ADMIN_ID))
    assert response.status_code == 200


async def test_invalid_input_is_422_with_a_message(web: Web):
    response = await web.client.get("/api/images/my-gallery?limit=0", headers=auth(FAN_ID))
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("query.limit:")
    response = await web.client.post(
        "/api/images/generate/compatibility", content=b"{not json", headers=auth(FAN_ID)
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"]
