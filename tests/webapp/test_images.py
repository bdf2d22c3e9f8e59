"""Seed 003's image endpoints from the Mini App: the same tiers and weekly limits as the
chat, the gallery (scoped to its owner), favourites, share cards, signed media URLs."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from tests.test_web import Web
from tests.webapp.conftest import ADMIN_ID, FAN_ID, PARTNER_ID, auth, give_tier

MATCH = {"sign1": "leo", "sign2": "aries"}


async def make(web: Web, kind: str, body: dict, user_id: int = FAN_ID) -> dict:
    response = await web.client.post(
        f"/api/images/generate/{kind}", json=body, headers=auth(user_id)
    )
    assert response.status_code == 200, response.text
    return response.json()["image"]


async def test_a_free_user_gets_the_shared_daily_and_is_told_to_upgrade(web: Web):
    image = await make(web, "daily-energy", {"sign": "leo"})
    assert image["category"] == "daily"
    assert (await web.client.get(image["image_url"])).content.startswith(b"\x89PNG")
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
        "/api/images/generate/avatar", json={"sun": "leo"}, headers=auth(FAN_ID, language="es")
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
    stats = (await web.client.get("/api/images/usage/stats", headers=auth(FAN_ID))).json()
    assert (stats["tier"], stats["used"], stats["limit"], stats["remaining"]) == (
        "cosmic",
        3,
        3,
        0,
    )
    assert {p["product"] for p in stats["plans"]} == {"cosmic30", "universe30", "tokens"}


async def test_universe_makes_avatars_and_the_gallery_filters(web: Web):
    await give_tier(web, FAN_ID, "universe")
    avatar = await make(
        web, "avatar", {"sun": "leo", "moon": "pisces", "rising": "virgo", "traits": ["brave"]}
    )
    match = await make(web, "compatibility", MATCH)
    gallery = (await web.client.get("/api/images/my-gallery", headers=auth(FAN_ID))).json()
    assert [i["id"] for i in gallery["images"]] == [match["id"], avatar["id"]]
    assert gallery["total"] == 2
    only = await web.client.get("/api/images/my-gallery?category=avatar", headers=auth(FAN_ID))
    assert [i["id"] for i in only.json()["images"]] == [avatar["id"]]
    page = await web.client.get("/api/images/my-gallery?limit=1&offset=1", headers=auth(FAN_ID))
    assert [i["id"] for i in page.json()["images"]] == [avatar["id"]]


async def test_favourites_share_cards_and_delete(web: Web):
    image = await make(web, "daily-energy", {"sign": "virgo"})
    path = f"/api/images/{image['id']}/favourite"
    assert (await web.client.post(path, headers=auth(FAN_ID))).json()["favourite"] is True
    favourites = await web.client.get(
        "/api/images/my-gallery?favourites=true", headers=auth(FAN_ID)
    )
    assert [i["id"] for i in favourites.json()["images"]] == [image["id"]]
    assert (await web.client.delete(path, headers=auth(FAN_ID))).json()["favourite"] is False
    for card, url in image["cards"].items():
        response = await web.client.get(url)
        assert response.status_code == 200, card
        assert response.content.startswith(b"\x89PNG")
    shared = await web.client.post(
        f"/api/images/share/{image['id']}", json={"format": "ig_story"}, headers=auth(FAN_ID)
    )
    assert shared.status_code == 200
    assert shared.headers["content-type"] == "image/png"
    board = (await web.client.get("/api/images/admin/stats", headers=auth(ADMIN_ID))).json()
    assert board["sharesToday"] == 1
    assert (
        await web.client.delete(f"/api/images/{image['id']}", headers=auth(FAN_ID))
    ).status_code == 204
    assert (await web.client.get(image["image_url"])).status_code == 404
    gallery = (await web.client.get("/api/images/my-gallery", headers=auth(FAN_ID))).json()
    assert gallery["total"] == 0


async def test_another_users_image_is_404_everywhere(web: Web):
    image = await make(web, "daily-energy", {"sign": "leo"})
    other = auth(PARTNER_ID)
    image_id = image["id"]
    for method, path, body in (
        ("GET", f"/api/images/{image_id}", None),
        ("POST", f"/api/images/{image_id}/favourite", None),
        ("DELETE", f"/api/images/{image_id}/favourite", None),
        ("DELETE", f"/api/images/{image_id}", None),
        ("POST", f"/api/images/share/{image_id}", {"format": "x"}),
        ("POST", f"/api/images/{image_id}/send", None),
    ):
        response = await web.client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, path
        assert response.json()["error"]["message"]
    assert (await web.client.get(image["image_url"])).status_code == 200  # still the fan's


async def test_grids_get_small_thumbnails_signed_like_the_images(web: Web):
    image = await make(web, "daily-energy", {"sign": "libra"})
    original = await web.client.get(image["image_url"])
    thumb = await web.client.get(image["thumb_url"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert "max-age" in thumb.headers["cache-control"]
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert small.width == 384
    assert len(thumb.content) < len(original.content) / 4
    again = await web.client.get(image["thumb_url"])
    assert again.content == thumb.content  # made once, then read back
    assert (
        await web.client.get(with_query(image["thumb_url"], u=str(PARTNER_ID)))
    ).status_code == 404
    path = f"/api/images/{image['id']}"
    assert (await web.client.delete(path, headers=auth(FAN_ID))).status_code == 204
    assert (await web.client.get(image["thumb_url"])).status_code == 404


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


async def test_media_urls_are_signed_for_one_user_and_expire(web: Web, clock):
    image = await make(web, "daily-energy", {"sign": "leo"})
    url = image["image_url"]
    assert "/media/images/" in url
    forged = [
        with_query(url, u=str(PARTNER_ID)),
        with_query(url, s="0" * 32),
        with_query(url, e=str(int(time.time()) + 10**6)),
        url.replace("/original.png", "/ig_story.png"),
        url.replace(f"/images/{image['id']}/", f"/images/{image['id'] + 1}/"),
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
