"""The Mini App in Debian's Chromium (Playwright), against `bot web` on loopback, with
telegram-web-app.js served by a stub carrying init data signed in the test. Screenshots of
each screen, light and dark, go to artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.config import Settings
from services.cosmic.kinds import MatchParams, MoonParams
from services.generation.base import ImageRequest, ImageResult, Usage
from services.sharing.analytics import SharePlatform
from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.fakes.images import tiny_png
from tests.fakes.telegram import FakeTelegram
from tests.webapp.conftest import FAN_ID
from tests.webapp.initdata import init_data
from tests.webapp.live import Live, live_server
from tests.webapp.telegram_stub import telegram_stub

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TELEGRAM_JS = "https://telegram.org/js/telegram-web-app.js"
PAINT_SECONDS = 1.5


def _browser_or_skip() -> str:
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    del playwright
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI ({CHROMIUM}): apt-get install chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return CHROMIUM


class SlowPainter:
    """Paints in PAINT_SECONDS: the text is written long before the image is ready."""

    async def paint(self, request: ImageRequest) -> ImageResult:
        await asyncio.sleep(PAINT_SECONDS)
        return ImageResult(tiny_png((256, 256)), 256, 256, Usage("fake", "slow", 0.01))


@pytest.fixture
def live(settings: Settings) -> Iterator[Live]:
    _browser_or_skip()
    telegram = FakeTelegram()
    for user_id, name in ((ADMIN_ID, "Admin"), (PARTNER_ID, "Pat"), (FAN_ID, "Fan")):
        telegram.add_user(user_id, name)
    with live_server(settings, telegram, image_generator=SlowPainter()) as server:
        yield server


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_browser_or_skip(), args=ARGS)
        yield launched
        launched.close()


def open_app(browser: object, live: Live, user_id: int, *, dark: bool = False, screen: str = ""):
    stub = telegram_stub(init_data(user_id), dark=dark)
    context = browser.new_context(viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
    context.route(
        TELEGRAM_JS, lambda route: route.fulfill(body=stub, content_type="text/javascript")
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live.url}/app/" + (f"?screen={screen}" if screen else ""))
    page.wait_for_selector("#tabs button")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def shoot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def make_pro(app: App) -> object:
    return app.services.ledger.set_pro(PARTNER_ID, True, actor_id=ADMIN_ID, key="pro")


def test_a_partner_sees_the_text_before_the_image_and_downloads(browser, live: Live):
    live.run(lambda app: app.services.accounts.get_or_create(PARTNER_ID, "en"))
    live.run(make_pro)
    page = open_app(browser, live, PARTNER_ID)
    page.wait_for_selector("#post_type")
    shoot(page, "studio-light")
    page.select_option("#post_type", "fomo")
    page.select_option("#audience", "crypto")
    page.fill("#link", "https://example.com/r?a=1&b=<x>")
    page.evaluate("window.__tg.clickMain()")
    page.wait_for_selector("#post-text")
    assert page.locator("#post-image").count() == 0, "the image came with the text"
    assert page.inner_text("#post-title")
    page.wait_for_selector("#download")
    assert page.locator("#post-image").is_visible()
    assert "498" in page.inner_text("#status")
    page.click("#download")
    [call] = page.evaluate("window.__tg.named('downloadFile')")
    response = page.request.get(call["args"][0]["url"])
    assert response.status == 200
    assert response.body().startswith(b"\x89PNG")
    assert page.evaluate("window.__tg.named('HapticFeedback.notificationOccurred')")
    shoot(page, "studio-result-light")
    assert page.errors == []
    dark = open_app(browser, live, PARTNER_ID, dark=True)
    dark.wait_for_selector("#history .panel")
    shoot(dark, "studio-dark")


def test_a_cut_event_stream_is_opened_again_and_the_post_arrives(browser, live: Live):
    live.run(lambda app: app.services.accounts.get_or_create(PARTNER_ID, "en"))
    live.run(make_pro)
    page = open_app(browser, live, PARTNER_ID)
    page.wait_for_selector("#post_type")
    opened: list[str] = []

    def cut_the_first(route: object) -> None:
        opened.append(route.request.url)  # type: ignore[attr-defined]
        if len(opened) == 1:
            route.abort("connectionreset")  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    page.route("**/api/jobs/*/events", cut_the_first)
    page.evaluate("window.__tg.clickMain()")
    page.wait_for_selector("#download")
    assert len(opened) >= 2 and len(set(opened)) == 1  # the same job's stream, again
    assert page.locator("#post-image").count() == 1
    assert "498" in page.inner_text("#status")
    assert page.errors == []


async def _cosmic_user(app: App) -> None:
    await app.services.accounts.get_or_create(FAN_ID, "en")
    await app.services.ledger.set_tier(FAN_ID, "universe", expires_at=None, key="u", reason="t")
    account = await app.services.accounts.get(FAN_ID)
    assert account is not None

    async def no_telegram(ready: object) -> None:
        return None

    for params in (MatchParams("leo", "aries"), MoonParams()):
        await app.services.cosmic.create(account, params, f"seed-{params.category}", no_telegram)


def test_a_cosmic_user_favourites_an_image_and_opens_its_cards(browser, live: Live):
    live.run(_cosmic_user)
    page = open_app(browser, live, FAN_ID, screen="gallery")
    page.wait_for_selector("#grid .tile")
    assert page.locator("#grid .tile").count() == 2
    chips = page.locator("#filters button").evaluate_all("bs => bs.map(b => b.dataset.filter)")
    assert chips == ["all", "favourites", "daily", "match", "moon", "avatar", "studio"]
    shoot(page, "gallery-light")
    page.locator("#grid .tile").first.click()
    page.wait_for_selector("#cards")
    page.click("#favourite")
    page.wait_for_function(
        "() => document.querySelector('#favourite').textContent === 'Unfavourite'"
    )
    cards = page.locator("#cards .card img")
    assert cards.count() == 4
    page.wait_for_function(
        "() => [...document.querySelectorAll('#cards img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    boxes = [page.locator("#cards .card").nth(i).bounding_box() for i in range(4)]
    assert len({round(box["y"]) for box in boxes}) == 1, "not side by side"
    assert sorted(box["x"] for box in boxes) == [box["x"] for box in boxes]
    page.click("#story")
    page.wait_for_function("() => window.__tg.named('shareToStory').length === 1")
    [story] = page.evaluate("window.__tg.named('shareToStory')")
    assert "/ig_story.png" in story["args"][0]
    shoot(page, "gallery-image-light")
    assert page.evaluate("window.__tg.named('BackButton.show').length") >= 1
    page.evaluate("window.__tg.back()")
    page.click("[data-filter=favourites]")
    # (the grid of all images is there until the filtered one replaces it)
    page.wait_for_function("() => document.querySelectorAll('#grid .tile').length === 1")
    assert page.errors == []
    dark = open_app(browser, live, FAN_ID, dark=True, screen="gallery")
    dark.wait_for_selector("#grid .tile")
    shoot(dark, "gallery-dark")
    dark.locator("#grid .tile").first.click()
    dark.wait_for_selector("#cards")
    shoot(dark, "gallery-image-dark")
    for screen in ("cosmic", "plan"):
        for scheme in (False, True):
            other = open_app(browser, live, FAN_ID, dark=scheme, screen=screen)
            other.wait_for_selector("#form, #usage")
            shoot(other, f"{screen}-{'dark' if scheme else 'light'}")


def test_a_free_user_is_offered_the_upgrade_and_pays_with_stars(browser, live: Live):
    page = open_app(browser, live, FAN_ID, screen="cosmic")
    page.click("[data-kind=match]")
    page.evaluate("window.__tg.clickMain()")
    page.wait_for_selector("#problem #upgrade")
    assert "Cosmic and Universe plans" in page.inner_text("#problem")
    page.click("#upgrade")
    page.wait_for_selector("#upgrade-note")
    shoot(page, "plan-free-light")
    page.click("[data-product=cosmic30] .buy")
    page.wait_for_function("() => window.__tg.named('openInvoice').length === 1")
    [invoice] = page.evaluate("window.__tg.named('openInvoice')")
    assert invoice["args"][0].startswith("https://t.me/$invoice")
    assert page.errors == []


async def _a_shared_image(app: App) -> None:
    await _cosmic_user(app)
    image, _ = await app.services.cosmic.images.page(FAN_ID, 0)
    assert image is not None
    await app.services.analytics.share(image.id, FAN_ID, SharePlatform.TELEGRAM)


def test_an_admin_sees_the_dashboard(browser, live: Live):
    live.run(_a_shared_image)
    for scheme in (False, True):
        page = open_app(browser, live, ADMIN_ID, dark=scheme, screen="dashboard")
        page.wait_for_selector("#hit-rate")
        assert "Cache hit rate" in page.inner_text("#hit-rate")
        assert page.locator("#daily .day").count() == 7  # the cost chart, a column a day
        page.wait_for_function(  # this week's most shared image, as a picture
            "() => { const i = document.querySelector('#top img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert "· 1" in page.inner_text("#top")
        shoot(page, f"dashboard-{'dark' if scheme else 'light'}")
        assert page.errors == []
