"""What the web app does with hostile input: bodies capped (413) and never read before the
caller is known (401), a per-IP limit in front of the sign-in (429 with Retry-After, shared
through Redis), deep JSON and huge user ids answered 400/401 (never 500), and the headers
every answer carries (CSP for the Mini App, nosniff, Referrer-Policy, no-store for /api)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.http.app import WEBHOOK_PATH
from tests.fakes.telegram import FakeTelegram
from tests.test_web import HEADER, SECRET, Web
from tests.webapp.conftest import FAN_ID, auth, open_api

KB = 1024
API_CAP = 64 * KB
WEBHOOK_CAP = 4 * KB * KB
POST_ROUTE = "/api/images/generate/compatibility"
JSON = {"Content-Type": "application/json"}


class Chunks:
    """A request body streamed in `count` chunks of `size` bytes, counting those read."""

    def __init__(self, size: int, count: int) -> None:
        self.size, self.count, self.read = size, count, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.read += 1
            yield b" " * self.size


async def test_an_unsigned_body_is_refused_before_it_is_read(web: Web):
    body = Chunks(64 * KB, 64)  # 4 MB that nobody has signed for
    response = await web.client.post(POST_ROUTE, content=body, headers=JSON)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert body.read == 0


async def test_broken_json_without_sign_in_is_401_not_422(web: Web):
    response = await web.client.post(POST_ROUTE, content=b'{"sun":', headers=JSON)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_a_declared_huge_body_is_413_before_reading(web: Web):
    body = Chunks(64 * KB, 8)
    headers = {**JSON, **auth(FAN_ID), "Content-Length": str(200 * KB * KB)}
    response = await web.client.post(POST_ROUTE, content=body, headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert response.json()["error"]["message"]
    assert body.read == 0


async def test_a_streamed_body_is_counted_and_cut_at_the_cap(web: Web):
    body = Chunks(16 * KB, 64)  # 1 MB, chunked: no Content-Length to trust
    response = await web.client.post(POST_ROUTE, content=body, headers={**JSON, **auth(FAN_ID)})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert body.read <= API_CAP // (16 * KB) + 1


async def test_a_body_under_the_cap_still_works(web: Web):
    response = await web.client.post(
        POST_ROUTE, content=b"{not json", headers={**JSON, **auth(FAN_ID)}
    )
    assert response.status_code == 422


async def test_the_webhook_has_its_own_cap(web: Web):
    body = Chunks(64 * KB, 2 * WEBHOOK_CAP // (64 * KB))
    response = await web.client.post(WEBHOOK_PATH, content=body, headers={**JSON, HEADER: SECRET})
    assert response.status_code == 413
    assert body.read <= WEBHOOK_CAP // (64 * KB) + 1
    declared = {**JSON, HEADER: SECRET, "Content-Length": str(200 * KB * KB)}
    response = await web.client.post(WEBHOOK_PATH, content=Chunks(KB, 1), headers=declared)
    assert response.status_code == 413


DEEP = 100_000


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * DEEP + b"]" * DEEP, id="arrays"),
        pytest.param(b'{"a":' * DEEP + b"1" + b"}" * DEEP, id="objects"),
    ],
)
async def test_a_webhook_body_nested_deep_is_400(web: Web, body: bytes):
    response = await web.client.post(WEBHOOK_PATH, content=body, headers={**JSON, HEADER: SECRET})
    assert response.status_code == 400
    assert web.telegram.calls == []


async def test_an_api_body_nested_deep_is_400(web: Web):
    deep = 30_000  # under the cap
    body = b"[" * deep + b"]" * deep
    response = await web.client.post(POST_ROUTE, content=body, headers={**JSON, **auth(FAN_ID)})
    assert response.status_code == 400
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("user_id", [2**70, 2**53 + 1, 0, -5])
async def test_a_signed_user_id_out_of_range_is_refused_not_500(web: Web, user_id: int):
    response = await web.client.get("/api/me", headers=auth(user_id))
    assert response.status_code in {400, 401}
    assert response.json()["error"]["message"]


async def test_the_largest_telegram_id_is_accepted(web: Web):
    response = await web.client.get("/api/me", headers=auth(2**52))
    assert response.status_code == 200


# Per IP, before the sign-in.


def crowded_settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"api_ip_burst": 3, "api_ip_rate": 0.25, **changes})


@pytest.fixture
async def crowded(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[Web]:
    async for opened in open_api(crowded_settings(settings), telegram):
        yield opened


async def test_beyond_the_ip_limit_unsigned_calls_get_429(crowded: Web):
    forged = {"Authorization": "tma user=%7B%22id%22%3A1%7D&hash=00"}
    for headers in ({}, forged, {}):
        assert (await crowded.client.get("/api/me", headers=headers)).status_code == 401
    refused = await crowded.client.get("/api/me", headers={"Accept-Language": "es"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "4"
    body = refused.json()
    assert body["success"] is False and body["error"]["code"] == "flood"
    assert body["error"]["message"].startswith("Demasiadas")
    # signed calls from that address wait too; public routes are counted as well
    assert (await crowded.client.get("/api/me", headers=auth(FAN_ID))).status_code == 429
    assert (await crowded.client.get("/api/i18n?lang=en")).status_code == 429


async def test_forwarded_for_counts_only_from_a_trusted_proxy(crowded: Web):
    for hop in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        headers = {"X-Forwarded-For": hop}
        assert (await crowded.client.get("/api/me", headers=headers)).status_code == 401
    headers = {"X-Forwarded-For": "203.0.113.4"}
    assert (await crowded.client.get("/api/me", headers=headers)).status_code == 429


async def test_a_trusted_proxy_names_the_client(settings: Settings, telegram: FakeTelegram):
    proxied = crowded_settings(
        settings,
        trusted_proxies=Settings(
            trusted_proxies="127.0.0.1,10.0.0.0/8", _env_file=None
        ).trusted_proxies,
    )
    async with contextlib.aclosing(open_api(proxied, telegram)) as opened:
        web: Web = await anext(opened)

        async def status(forwarded: str) -> int:
            headers = {"X-Forwarded-For": forwarded}
            return (await web.client.get("/api/me", headers=headers)).status_code

        assert [await status("198.51.100.7") for _ in range(3)] == [401] * 3
        assert await status("198.51.100.7") == 429
        assert await status("198.51.100.8") == 401  # another client behind the proxy
        # what the client wrote before the proxies' hops is not believed
        assert await status("198.51.100.9, 198.51.100.7, 10.1.2.3") == 429


async def test_two_processes_share_the_ip_limit(
    settings: Settings, telegram: FakeTelegram, redis_url: str
):
    shared = crowded_settings(settings, redis_url=redis_url)
    async with (
        contextlib.aclosing(open_api(shared, telegram)) as first,
        contextlib.aclosing(open_api(shared, telegram)) as second,
    ):
        one: Web = await anext(first)
        two: Web = await anext(second)
        assert (await one.client.get("/api/me")).status_code == 401
        assert (await two.client.get("/api/me")).status_code == 401
        assert (await one.client.get("/api/me")).status_code == 401
        refused = await two.client.get("/api/me")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1


# Headers.


async def test_the_mini_app_has_a_content_security_policy(web: Web):
    page = await web.client.get("/app/")
    assert page.status_code == 200
    policy = {
        part.split()[0]: part.split()[1:]
        for part in page.headers["content-security-policy"].split(";")
        if part.strip()
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "https://telegram.org"]
    assert policy["connect-src"] == ["'self'"]
    assert set(policy["img-src"]) == {"'self'", "data:", "blob:"}
    assert "https://web.telegram.org" in policy["frame-ancestors"]
    assert "'self'" in policy["frame-ancestors"]
    assert policy["object-src"] == ["'none'"]
    script = await web.client.get("/app/app.js")
    assert "content-security-policy" in script.headers


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        pytest.param("/app/", {}, id="app"),
        pytest.param("/api/me", auth(FAN_ID), id="api"),
        pytest.param("/api/me", {}, id="api-401"),
        pytest.param("/api/i18n?lang=en", {}, id="public-api"),
        pytest.param("/healthz", {}, id="health"),
        pytest.param("/media/images/1/original.png?u=1&e=1&s=x", {}, id="media-404"),
    ],
)
async def test_every_answer_says_nosniff_and_its_referrer_policy(
    web: Web, path: str, headers: dict[str, str]
):
    response = await web.client.get(path, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    if path.startswith("/api"):
        assert response.headers["cache-control"] == "no-store"


async def test_a_redirect_never_names_the_requests_host(web: Web):
    response = await web.client.get("/app", headers={"Host": "evil.example"})
    assert response.status_code in {301, 307, 308}
    location = response.headers["location"]
    assert "evil.example" not in location
    assert location in {"/app/", "https://bot.example.com/app/"}
