"""Seed 003's image endpoints from the Mini App: the same tiers and weekly limits as the
chat, the gallery (scoped to its owner), favourites, share cards, signed media URLs."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from tests.test_web import Web
from tests.webapp.conftest import ADMIN_ID, FAN_ID, PARTNER_ID, auth, data, give_tier

MATCH = {"user1": {"sign": "leo"}, "user2": {"sign": "aries"}}


async def make(web: Web, kind: str, body: dict, user_id: int = FAN_ID) -> dict:
    response = await web.client.post(
        f"/api/images/generate/{kind}", json=body, headers=auth(user_id)
    )
    return dict(data(response))


async def test_a_free_user_gets_the_shared_daily_and_is_told_to_upgrade(web: Web):
    image = await make(web, "daily-energy", {"sign": "leo"})
    assert image["category"] == "daily"
    assert (await web.client.get(image["imageUrl"])).content.startswith(b"\x89PNG")
    response = await web.client.post(
        "/api/images/generate/compatibility", json=MATCH, headers=auth(FAN_ID)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "upgrade"
    assert "Cosmic and Universe plans" in response.json()["error"]["message"]
    assert (await web.app.services.accounts.get(FAN_ID)).sign == "leo"


async def test_messages_come_in_the_users_language(web: Web):
    await web.app.services.accounts.get_or_create(FAN_ID, "es")
    response = await web.client.post(
        "/api/images/generate/avatar", json={"sunSign": "leo"}, headers=auth(FAN_ID, language="es")
    )
    assert response.status_code == 403
    assert "Universe" in response.json()["error"]["message"]
    assert "avatares" in response.json()["error"]["message"]


async def test_the_weekly_limit_is_the_chats(web: Web):
    await give_tier(web, FAN_ID, "cosmic")
    for phase in ("full", "new", "first_quarter"):
        await make(web, "moon-ritual", {"phase": phase})
    response = await web.client.post(
        "/api/images/generate/moon-ritual", json={"phase": "last_quarter"}, headers=auth(FAN_ID)
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "limit"
    stats = data(await web.client.get("/api/images/usage/stats", headers=auth(FAN_ID)))
    assert (stats["tier"], stats["weeklyUsage"], stats["weeklyLimit"], stats["remaining"]) == (
        "cosmic",
        3,
        3,
        0,
    )
    assert {p["product"] for p in stats["plans"]} == {"cosmic30", "universe30", "tokens"}


async def test_universe_makes_avatars_and_the_gallery_filters(web: Web):
    await give_tier(web, FAN_ID, "universe")
    body = {"sunSign": "leo", "moonSign": "pisces", "risingSign": "virgo", "traits": ["brave"]}
    avatar = await make(web, "avatar", body)
    match = await make(web, "compatibility", MATCH)
    gallery = data(await web.client.get("/api/images/my-gallery", headers=auth(FAN_ID)))
    assert [i["imageId"] for i in gallery["images"]] == [match["imageId"], avatar["imageId"]]
    assert (gallery["count"], gallery["total"]) == (2, 2)
    only = await web.client.get("/api/images/my-gallery?category=avatar", headers=auth(FAN_ID))
    assert [i["imageId"] for i in data(only)["images"]] == [avatar["imageId"]]
    page = await web.client.get("/api/images/my-gallery?limit=1&offset=1", headers=auth(FAN_ID))
    assert [i["imageId"] for i in data(page)["images"]] == [avatar["imageId"]]


async def test_favourites_share_cards_and_delete(web: Web):
    image = await make(web, "daily-energy", {"sign": "virgo"})
    path = f"/api/images/{image['imageId']}/favourite"
    assert data(await web.client.post(path, headers=auth(FAN_ID)))["favourite"] is True
    favourites = await web.client.get(
        "/api/images/my-gallery?favourites=true", headers=auth(FAN_ID)
    )
    assert [i["imageId"] for i in data(favourites)["images"]] == [image["imageId"]]
    assert data(await web.client.delete(path, headers=auth(FAN_ID)))["favourite"] is False
    for card, url in image["cards"].items():
        response = await web.client.get(url)
        assert response.status_code == 200, card
        assert response.content.startswith(b"\x89PNG")
    shared = await web.client.post(
        f"/api/images/share/{image['imageId']}",
        json={"format": "instagram_story"},
        headers=auth(FAN_ID),
    )
    assert shared.status_code == 200
    assert shared.headers["content-type"] == "image/png"
    board = data(await web.client.get("/api/images/admin/stats", headers=auth(ADMIN_ID)))
    assert board["sharesToday"] == 1
    assert (
        await web.client.delete(f"/api/images/{image['imageId']}", headers=auth(FAN_ID))
    ).status_code == 204
    assert (await web.client.get(image["imageUrl"])).status_code == 404
    gallery = data(await web.client.get("/api/images/my-gallery", headers=auth(FAN_ID)))
    assert gallery["total"] == 0


async def test_another_users_image_is_404_everywhere(web: Web):
    image = await make(web, "daily-energy", {"sign": "leo"})
    other = auth(PARTNER_ID)
    image_id = image["imageId"]
    for method, path, body in (
        ("GET", f"/api/images/{image_id}", None),
        ("POST", f"/api/images/{image_id}/favourite", None),
        ("DELETE", f"/api/images/{image_id}/favourite", None),
        ("DELETE", f"/api/images/{image_id}", None),
        ("POST", f"/api/images/share/{image_id}", {"format": "twitter"}),
        ("POST", f"/api/images/{image_id}/send", None),
    ):
        response = await web.client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, path
        assert response.json()["error"]["message"]
    assert (await web.client.get(image["imageUrl"])).status_code == 200  # still the fan's


async def test_grids_get_small_thumbnails_signed_like_the_images(web: Web):
    image = await make(web, "daily-energy", {"sign": "libra"})
    original = await web.client.get(image["imageUrl"])
    thumb = await web.client.get(image["thumbUrl"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert "max-age" in thumb.headers["cache-control"]
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert small.width == 384
    assert len(thumb.content) < len(original.content) / 4
    again = await web.client.get(image["thumbUrl"])
    assert again.content == thumb.content  # made once, then read back
    assert (
        await web.client.get(with_query(image["thumbUrl"], u=str(PARTNER_ID)))
    ).status_code == 404
    path = f"/api/images/{image['imageId']}"
    assert (await web.client.delete(path, headers=auth(FAN_ID))).status_code == 204
    assert (await web.client.get(image["thumbUrl"])).status_code == 404


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


async def test_media_urls_are_signed_for_one_user_and_expire(web: Web, clock):
    image = await make(web, "daily-energy", {"sign": "leo"})
    url = image["imageUrl"]
    assert "/media/images/" in url
    forged = [
        with_query(url, u=str(PARTNER_ID)),
        with_query(url, s="0" * 32),
        with_query(url, e=str(int(time.time()) + 10**6)),
        url.replace("/original.png", "/ig_story.png"),
        url.replace(f"/images/{image['imageId']}/", f"/images/{int(image['imageId']) + 1}/"),
        "/media/images/%2e%2e/%2e%2e/etc/passwd",
    ]
    for bad in forged:
        response = await web.client.get(bad)
        assert response.status_code in {404, 422}, bad
        assert response.json()["error"]["message"]
    clock.shift(2 * 3600)
    assert (await web.client.get(url)).status_code == 404


@pytest.mark.parametrize("product", ["cosmic30", "universe30", "tokens"])
async def test_stars_invoice_links_for_open_invoice(web: Web, product: str):
    response = await web.client.post(
        "/api/plan/invoice", json={"product": product}, headers=auth(FAN_ID)
    )
    assert response.status_code == 200
    assert response.json()["url"].startswith("https://t.me/$invoice")
    [link] = web.telegram.invoice_links
    assert link["currency"] == "XTR"
    assert link["payload"].endswith(str(FAN_ID))
