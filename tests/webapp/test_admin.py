"""Seed 003's admin endpoints and the app's strings."""

from __future__ import annotations

from tests.test_web import Web
from tests.webapp.conftest import ADMIN_ID, FAN_ID, auth, data, give_tier


async def test_batch_then_cost_report_with_cache_hit_rate(web: Web):
    response = await web.client.post(
        "/api/images/admin/batch-generate", json={"date": "2026-06-18"}, headers=auth(ADMIN_ID)
    )
    batch = data(response)
    assert (batch["date"], batch["success"] + batch["cached"], batch["failed"]) == (
        "2026-06-18",
        12,
        0,
    )
    for _ in range(2):  # the first asks paint (a miss), the second reuses (a hit)
        await web.client.post(
            "/api/images/generate/daily-energy", json={"sign": "leo"}, headers=auth(FAN_ID)
        )
    report = await web.client.get("/api/images/admin/cost-report?days=7", headers=auth(ADMIN_ID))
    body = data(report)
    assert body["period"]["days"] == 7
    assert body["totalCalls"] >= 13
    assert {"provider", "model", "calls", "costUsd"} <= set(body["breakdown"][0])
    cache = body["cacheStats"]
    assert cache["hits"] >= 1
    assert cache["ratio"] == round(cache["hits"] / (cache["hits"] + cache["misses"]), 4)
    assert cache["hitRate"] == f"{cache['ratio'] * 100:.1f}%"
    bad = await web.client.get("/api/images/admin/cost-report?days=0", headers=auth(ADMIN_ID))
    assert bad.status_code == 422


async def test_dashboard_counts_today(web: Web):
    await web.client.post(
        "/api/images/generate/daily-energy", json={"sign": "leo"}, headers=auth(FAN_ID)
    )
    board = data(await web.client.get("/api/images/admin/stats", headers=auth(ADMIN_ID)))
    assert board["imagesToday"] >= 1
    assert set(board) >= {"sharesToday", "downloadsToday", "costToday", "viralWeek", "topWeek"}


async def test_the_apps_strings_in_every_language(web: Web):
    english = (await web.client.get("/api/i18n?lang=en")).json()
    spanish = (await web.client.get("/api/i18n?lang=es-ES")).json()
    russian = (await web.client.get("/api/i18n?lang=ru")).json()
    other = (await web.client.get("/api/i18n?lang=zz")).json()
    assert (spanish["locale"], russian["locale"], other["locale"]) == ("es", "ru", "en")
    assert set(english["strings"]) == set(spanish["strings"]) == set(russian["strings"])
    assert english["strings"]["tab_gallery"] == "Gallery"
    assert spanish["strings"]["tab_gallery"] == "Galería"
    assert russian["strings"]["tab_gallery"] == "Галерея"


async def test_counted_strings_come_in_the_languages_plural_forms(web: Web):
    """The page picks a form with Intl.PluralRules: one form per category a whole number
    takes in the language (CLDR's names)."""
    english = (await web.client.get("/api/i18n?lang=en")).json()["counted"]
    spanish = (await web.client.get("/api/i18n?lang=es")).json()["counted"]
    russian = (await web.client.get("/api/i18n?lang=ru")).json()["counted"]
    assert english["tokens"] == {
        "count": "n",
        "forms": {"one": "{n} token", "other": "{n} tokens"},
    }
    assert spanish["balance"]["forms"] == {
        "one": "Saldo: {balance} token",
        "other": "Saldo: {balance} tokens",
    }
    assert russian["new_text"] == {
        "count": "cost",
        "forms": {
            "one": "📝 Новый текст · {cost} токен",
            "few": "📝 Новый текст · {cost} токена",
            "many": "📝 Новый текст · {cost} токенов",
        },
    }
    assert set(english) == set(spanish) == set(russian)


async def test_the_api_has_its_own_openapi(web: Web):
    schema = (await web.client.get("/api/openapi.json")).json()
    assert "/api/pro/generate" in schema["paths"]
    assert "/api/images/admin/cost-report" in schema["paths"]
    assert not any(path.startswith("/telegram") for path in schema["paths"])
    assert (await web.client.get("/openapi.json")).status_code == 404


async def test_the_cost_report_has_a_series_per_day(web: Web):
    await web.client.post(
        "/api/images/generate/daily-energy", json={"sign": "leo"}, headers=auth(FAN_ID)
    )
    report = await web.client.get("/api/images/admin/cost-report?days=7", headers=auth(ADMIN_ID))
    daily = data(report)["daily"]
    assert [day["date"] for day in daily][-2:] == ["2026-06-16", "2026-06-17"]  # today last
    assert len(daily) == 7 and {"costUsd", "calls"} <= set(daily[0])
    assert daily[-1]["calls"] >= 1 and sum(day["calls"] for day in daily[:-1]) == 0


async def test_the_dashboards_images_come_with_their_pictures(web: Web):
    await give_tier(web, FAN_ID, "cosmic")
    made = await web.client.post(
        "/api/images/generate/daily-energy", json={"sign": "leo"}, headers=auth(FAN_ID)
    )
    image_id = data(made)["imageId"]
    await web.client.post(
        f"/api/images/share/{image_id}", json={"format": "twitter"}, headers=auth(FAN_ID)
    )
    board = data(await web.client.get("/api/images/admin/stats", headers=auth(ADMIN_ID)))
    [top] = board["topWeek"]
    assert (top["imageId"], top["shares"]) == (image_id, 1)
    picture = await web.client.get(top["thumbUrl"])
    assert picture.status_code == 200 and picture.content.startswith(b"\xff\xd8")  # a JPEG
    await web.client.delete(f"/api/images/{image_id}", headers=auth(FAN_ID))
    board = data(await web.client.get("/api/images/admin/stats", headers=auth(ADMIN_ID)))
    assert board["topWeek"][0]["thumbUrl"] is None  # deleted by its owner: no picture
