"""Who may call the API: Telegram's signed init data, fresh, of this bot; admins for the
admin routes. Anything else is a 401 (403) with a readable message, and nothing happens."""

from __future__ import annotations

import time

import httpx2
import jwt
import pytest
from pydantic import SecretStr

import webapp.auth
from tests.test_web import Web
from tests.webapp.conftest import ADMIN_ID, FAN_ID, auth
from tests.webapp.initdata import init_data, login_widget


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


async def test_init_data_older_than_two_hours_is_refused(web: Web):
    response = await web.client.get("/api/me", headers=auth(FAN_ID, auth_date=time.time() - 7_201))
    assert response.status_code == 401
    fresh = await web.client.get("/api/me", headers=auth(FAN_ID, auth_date=time.time() - 7_000))
    assert fresh.status_code == 200


# Bearer tokens: POST /api/auth/telegram exchanges a Telegram sign-in for a JWT.


async def sign_in(web: Web, body: dict) -> httpx2.Response:
    return await web.client.post("/api/auth/telegram", json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_init_data_is_exchanged_for_a_token_that_opens_the_api(web: Web):
    response = await sign_in(web, {"initData": init_data(FAN_ID, first_name="Fan")})
    assert response.status_code == 200
    answer = response.json()
    assert answer["tokenType"] == "Bearer"
    assert answer["expiresIn"] == 3600
    assert set(answer) == {"token", "tokenType", "expiresIn"}
    me = await web.client.get("/api/me", headers=bearer(answer["token"]))
    assert me.status_code == 200
    assert (me.json()["user_id"], me.json()["first_name"]) == (FAN_ID, "Fan")
    claims = jwt.decode(answer["token"], options={"verify_signature": False})
    assert claims["sub"] == str(FAN_ID)
    assert claims["exp"] - claims["iat"] == 3600
    assert {"iss", "aud"} <= set(claims)


async def test_a_login_widget_payload_is_exchanged_for_a_token(web: Web):
    payload = login_widget(
        FAN_ID, first_name="Fan", username="fan", photo_url="https://t.me/i/a.jpg"
    )
    response = await sign_in(web, payload)
    assert response.status_code == 200
    me = await web.client.get("/api/me", headers=bearer(response.json()["token"]))
    assert me.status_code == 200
    assert (me.json()["user_id"], me.json()["first_name"]) == (FAN_ID, "Fan")


async def test_the_token_speaks_the_users_language(web: Web):
    token = (await sign_in(web, {"initData": init_data(FAN_ID, language="es")})).json()["token"]
    refused = await web.client.get("/api/images/admin/stats", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] != "This is for the bot's admins only."


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda: {**login_widget(FAN_ID), "hash": "0" * 64}, id="wrong-hash"),
        pytest.param(lambda: {**login_widget(FAN_ID), "first_name": "Admin"}, id="tampered"),
        pytest.param(
            lambda: login_widget(FAN_ID, token="654321:ANOTHER-bots-token"), id="other-bot"
        ),
        pytest.param(lambda: login_widget(FAN_ID, auth_date=time.time() - 7_201), id="stale"),
        pytest.param(lambda: login_widget(2**70), id="id-2**70"),
        pytest.param(
            lambda: login_widget(FAN_ID, extra_field="x") | {"extra_field": "y"}, id="extra"
        ),
        pytest.param(
            lambda: {"initData": init_data(FAN_ID, token="654321:ANOTHER")}, id="init-data"
        ),
        pytest.param(lambda: {"initData": init_data(2**70)}, id="init-data-2**70"),
    ],
)
async def test_a_forged_or_stale_sign_in_is_401(web: Web, payload):
    response = await sign_in(web, payload())
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.json()["error"]["message"]
    assert await web.app.services.accounts.get(FAN_ID) is None


async def test_a_body_that_is_neither_is_422(web: Web):
    response = await sign_in(web, {"user": FAN_ID})
    assert response.status_code == 422


def reissued(token: str, key: str | bytes, algorithm: str = "HS256", **changes) -> str:
    claims = jwt.decode(token, options={"verify_signature": False}) | changes
    return jwt.encode(claims, key, algorithm=algorithm)


SECRET_KEY = "s" * 32


@pytest.fixture
async def token(web: Web) -> str:
    web.app.settings.jwt_secret = SecretStr(SECRET_KEY)
    return (await sign_in(web, {"initData": init_data(FAN_ID)})).json()["token"]


async def test_a_token_signed_with_the_secret_works(web: Web, token: str):
    assert (await web.client.get("/api/me", headers=bearer(token))).status_code == 200
    again = reissued(token, SECRET_KEY)  # the same claims, signed with the same key
    assert (await web.client.get("/api/me", headers=bearer(again))).status_code == 200


def unsigned(token: str) -> str:
    header, payload, _ = token.split(".")
    return f"{header}.{payload.replace('A', 'B', 1)}.{_}"


@pytest.mark.parametrize(
    ("forge", "says"),
    [
        pytest.param(lambda t: reissued(t, "x" * 32), "not valid", id="other-secret"),
        pytest.param(unsigned, "not valid", id="bad-signature"),
        pytest.param(lambda t: reissued(t, None, "none"), "not valid", id="alg-none"),
        pytest.param(lambda t: reissued(t, SECRET_KEY * 2, "HS512"), "not valid", id="alg-hs512"),
        pytest.param(lambda t: reissued(t, SECRET_KEY, sub=""), "", id="empty-sub"),
        pytest.param(lambda t: reissued(t, SECRET_KEY, sub=str(2**70)), "", id="sub-2**70"),
        pytest.param(
            lambda t: reissued(t, SECRET_KEY, aud="telegram-bot:42"), "another", id="aud"
        ),
        pytest.param(
            lambda t: reissued(t, SECRET_KEY, iss="https://x.example"), "another", id="iss"
        ),
        pytest.param(
            lambda t: reissued(t, SECRET_KEY, exp=int(time.time()) - 60), "expired", id="exp"
        ),
        pytest.param(lambda t: "not-a-jwt", "not valid", id="garbage"),
    ],
)
async def test_a_forged_foreign_or_expired_token_is_401(web: Web, token: str, forge, says: str):
    response = await web.client.get("/api/me", headers=bearer(forge(token)))
    assert response.status_code == 401
    assert says in response.json()["error"]["message"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_expires_after_its_ttl(web: Web, clock):
    token = (await sign_in(web, {"initData": init_data(FAN_ID)})).json()["token"]
    assert (await web.client.get("/api/me", headers=bearer(token))).status_code == 200
    clock.shift(3_600 + 60)
    response = await web.client.get("/api/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
    refreshed = (await sign_in(web, {"initData": init_data(FAN_ID)})).json()["token"]
    assert (await web.client.get("/api/me", headers=bearer(refreshed))).status_code == 200


async def test_another_bots_token_is_refused(web: Web):
    token = (await sign_in(web, {"initData": init_data(FAN_ID)})).json()["token"]
    web.app.settings.jwt_secret = SecretStr(SECRET_KEY)  # as if another deployment's key
    response = await web.client.get("/api/me", headers=bearer(token))
    assert response.status_code == 401


async def test_refusals_are_translated(web: Web):
    forged = reissued(
        (await sign_in(web, {"initData": init_data(FAN_ID, language="ru")})).json()["token"],
        "x" * 32,
    )
    response = await web.client.get("/api/me", headers=bearer(forged))
    assert response.status_code == 401
    assert response.json()["error"]["message"] != "The token is not valid: sign in again."


async def test_init_data_is_verified_once_per_call(web: Web, monkeypatch: pytest.MonkeyPatch):
    calls = []
    original = webapp.auth.safe_parse_webapp_init_data

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(webapp.auth, "safe_parse_webapp_init_data", counting)
    assert (await web.client.get("/api/me", headers=auth(FAN_ID))).status_code == 200
    assert len(calls) == 1


async def test_the_schema_shows_the_sign_in_and_both_schemes(web: Web):
    schema = (await web.client.get("/api/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["BearerToken"]["description"],
    }
    assert schemes["TelegramInitData"]["type"] == "apiKey"
    me = schema["paths"]["/api/me"]["get"]
    assert {"BearerToken": []} in me["security"] and {"TelegramInitData": []} in me["security"]
    sign_in = schema["paths"]["/api/auth/telegram"]["post"]
    assert "security" not in sign_in
    examples = sign_in["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"miniApp", "loginWidget"}
    assert {"200", "401", "422", "429"} <= set(sign_in["responses"])
