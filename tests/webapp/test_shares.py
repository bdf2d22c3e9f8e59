"""POST /api/images/{id}/shared through the real app: a share the Mini App saw happen is
counted once per person, image and day, only on the fixed platforms, only for one's own
image."""

from __future__ import annotations

import pytest

from services.cosmic.kinds import MatchParams
from tests.test_web import Web
from tests.webapp.conftest import FAN_ID, PARTNER_ID, auth, give_tier


async def an_image(web: Web) -> int:
    """One of the fan's images, made by the service the API calls."""
    await give_tier(web, FAN_ID, "universe")
    account = await web.app.services.accounts.get(FAN_ID)
    assert account is not None

    async def no_telegram(ready: object) -> None:
        return None

    await web.app.services.cosmic.create(account, MatchParams("leo", "aries"), "k", no_telegram)
    image, _ = await web.app.services.cosmic.images.page(FAN_ID, 0)
    assert image is not None
    return image.id


async def shares_today(web: Web) -> int:
    return (await web.app.services.stats.dashboard()).shares_today


async def test_a_story_is_counted_once_a_day(web: Web):
    image_id = await an_image(web)
    path = f"/api/images/{image_id}/shared"
    first = await web.client.post(path, json={"platform": "story"}, headers=auth(FAN_ID))
    assert first.status_code == 200, first.text
    assert first.json() == {"success": True, "data": {"recorded": True}}
    again = await web.client.post(path, json={"platform": "story"}, headers=auth(FAN_ID))
    assert again.json() == {"success": True, "data": {"recorded": False}}
    assert await shares_today(web) == 1


@pytest.mark.parametrize("body", [{"platform": "tiktok"}, {}, {"platform": ""}])
async def test_only_the_fixed_platforms(web: Web, body: dict[str, str]):
    image_id = await an_image(web)
    response = await web.client.post(
        f"/api/images/{image_id}/shared", json=body, headers=auth(FAN_ID)
    )
    assert response.status_code == 422
    assert response.json()["success"] is False
    assert await shares_today(web) == 0


async def test_someone_elses_image_is_404_and_not_counted(web: Web):
    image_id = await an_image(web)
    for user_id, other_id in ((PARTNER_ID, image_id), (FAN_ID, image_id + 1000)):
        response = await web.client.post(
            f"/api/images/{other_id}/shared", json={"platform": "story"}, headers=auth(user_id)
        )
        assert response.status_code == 404
        assert response.json()["error"]["message"]
    assert await shares_today(web) == 0


async def test_it_needs_the_init_data(web: Web):
    image_id = await an_image(web)
    response = await web.client.post(f"/api/images/{image_id}/shared", json={"platform": "story"})
    assert response.status_code == 401
    assert await shares_today(web) == 0
