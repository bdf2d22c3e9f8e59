"""The Mini App in Debian's Chromium (Playwright), against `bot web` on loopback over HTTPS,
launched as a phone launches it: the init data signed in the test and the client's version,
platform, theme and inline mode in the URL's fragment, read by a stand-in for
telegram-web-app.js that behaves as Telegram's (tests/webapp/telegram_stub.py). Every flow
runs at a 7.0 client (no downloads, no stories) and at a current one (9.6); the native Main
and Back buttons are pressed as the client presses them. Screenshots of each screen, light
and dark, go to artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings
from services.cosmic.kinds import MatchParams, MoonParams
from services.generation.base import ImageRequest, ImageResult, Usage
from services.sharing.analytics import SharePlatform
from tests.conftest import ADMIN_ID, PARTNER_ID
from tests.databases import DatabaseUnderTest, database_for
from tests.fakes.images import tiny_png
from tests.fakes.telegram import FakeTelegram
from tests.webapp.conftest import FAN_ID
from tests.webapp.initdata import init_data
from tests.webapp.live import Live, live_server
from tests.webapp.telegram_stub import CLIENT, CURRENT, OLD, STAND_IN, VERSIONS, launch_hash
from webapp.strings import STRINGS

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
POSTER = (320, 180)
"""The studio's pictures are 16:9 posters."""


def _browser_or_skip() -> str:
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    del playwright
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI ({CHROMIUM}): apt-get install chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return CHROMIUM


class SlowPainter:
    """Paints a 16:9 poster in PAINT_SECONDS: the text is written long before the image."""

    async def paint(self, request: ImageRequest) -> ImageResult:
        await asyncio.sleep(PAINT_SECONDS)
        return ImageResult(tiny_png(POSTER), *POSTER, Usage("fake", "slow", 0.01))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[DatabaseUnderTest]:
    """One database under the browser: these tests drive the page at two client versions;
    the API beneath them runs on SQLite and on PostgreSQL in the other tests/webapp."""
    yield from database_for("sqlite", tmp_path)


@pytest.fixture(params=VERSIONS, ids=lambda version: f"client-{version}")
def client(request: pytest.FixtureRequest) -> str:
    """The Telegram client's version (tgWebAppVersion)."""
    version: str = request.param
    return version


@pytest.fixture
def live(settings: Settings) -> Iterator[Live]:
    _browser_or_skip()
    telegram = FakeTelegram()
    for user_id, name in ((ADMIN_ID, "Admin"), (PARTNER_ID, "Pat"), (FAN_ID, "Fan")):
        telegram.add_user(user_id, name)
    with live_server(settings, telegram, tls=True, image_generator=SlowPainter()) as server:
        yield server


@pytest.fixture
def browser(live: Live) -> Iterator[object]:
    """Chromium, opened after the server and closed before it: the page's open requests
    (its event streams) end with the browser, so the server stops at once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_browser_or_skip(), args=ARGS)
        yield launched
        launched.close()


def open_app(
    browser: object,
    live: Live,
    user_id: int,
    *,
    version: str = CURRENT,
    dark: bool = False,
    screen: str = "",
    inline: bool = True,
) -> Any:
    """The Mini App as a phone opens it: the launch parameters in the fragment, the client's
    TelegramWebviewProxy installed before any script runs."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 360, "height": 740}, ignore_https_errors=True
    )
    context.add_init_script(CLIENT)
    context.route(
        TELEGRAM_JS, lambda route: route.fulfill(body=STAND_IN, content_type="text/javascript")
    )
    page = context.new_page()
    errors: list[str] = []
    unsupported: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def heard(message: Any) -> None:
        if "is not supported in version" in message.text:
            unsupported.append(message.text)

    page.on("console", heard)
    schemes: list[str] = []  # how each /api call signed in: "tma" or "Bearer"
    page.on(
        "request",
        lambda request: (
            schemes.append(request.headers.get("authorization", " ").split(" ")[0])
            if "/api/" in request.url and not any(p in request.url for p in ("/auth/", "/i18n"))
            else None
        ),
    )
    fragment = launch_hash(init_data(user_id), version=version, dark=dark, inline=inline)
    page.goto(f"{live.url}/app/" + (f"?screen={screen}" if screen else "") + fragment)
    page.wait_for_selector("#tabs button")
    page.errors = errors
    page.unsupported = unsupported  # Telegram's console errors for a method too new
    page.schemes = schemes
    return page


def events(page: Any, event_type: str) -> list[Any]:
    """The events of `event_type` the page posted to the client, their data."""
    found: list[Any] = page.evaluate(f"__client.named({json.dumps(event_type)})")
    return found


def wait_event(page: Any, event_type: str, count: int = 1) -> list[Any]:
    page.wait_for_function(
        "([type, count]) => __client.named(type).length >= count", arg=[event_type, count]
    )
    return events(page, event_type)


def press_main(page: Any) -> None:
    """The client's Main button pressed (refused when the page has it hidden or inactive)."""
    page.evaluate("__client.pressMain()")


def press_back(page: Any) -> None:
    page.evaluate("__client.pressBack()")


def toast(page: Any) -> str:
    page.wait_for_selector("#toast:not([hidden])")
    text: str = page.inner_text("#toast")
    return text


def ratio(page: Any, selector: str) -> float:
    """The width over the height of the box `selector` is shown in, once its picture is in."""
    page.wait_for_function(
        "selector => { const i = document.querySelector(selector);"
        " return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )
    box = page.locator(selector).first.bounding_box()
    return float(box["width"] / box["height"])


def today(live: Live) -> Any:
    """The admins' figures for today (shares, downloads)."""
    return live.run(lambda app: app.services.stats.dashboard())


def shoot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def check_download(page: Any, live: Live, version: str, downloads: int) -> None:
    """The download just pressed: Telegram's own (8.0) or the signed link opened in the
    browser with a word why; either way the file is there and the server counted it."""
    if version == OLD:
        [opened] = wait_event(page, "web_app_open_link")
        url = opened["url"]
        assert toast(page) == STRINGS["download_in_browser"]
        assert events(page, "web_app_request_file_download") == []
    else:
        [asked] = wait_event(page, "web_app_request_file_download")
        url = asked["url"]
        assert asked["file_name"].endswith(".png")
        assert events(page, "web_app_open_link") == []
    assert url.startswith(f"{live.url}/media/") and "download=1" in url
    response = page.request.get(url)
    assert response.status == 200
    assert response.body().startswith(b"\x89PNG")
    assert today(live).downloads_today == downloads


def make_pro(app: App) -> object:
    return app.services.ledger.set_pro(PARTNER_ID, True, actor_id=ADMIN_ID, key="pro")


def test_a_partner_sees_the_text_before_the_image_and_downloads(browser, live: Live, client):
    live.run(lambda app: app.services.accounts.get_or_create(PARTNER_ID, "en"))
    live.run(make_pro)
    page = open_app(browser, live, PARTNER_ID, version=client)
    page.wait_for_selector("#post_type")
    assert set(page.schemes) == {"Bearer"}  # the init data was exchanged for a token
    [main] = events(page, "web_app_setup_main_button")[-1:]
    assert main["is_visible"] and main["text"] == "Generate · 2 tokens"
    if client == CURRENT:
        shoot(page, "studio-light")
    page.select_option("#post_type", "fomo")
    page.select_option("#audience", "crypto")
    page.fill("#link", "https://example.com/r?a=1&b=<x>")
    press_main(page)
    page.wait_for_selector("#post-text")
    assert page.locator("#post-image").count() == 0, "the image came with the text"
    assert events(page, "web_app_setup_main_button")[-1]["is_progress_visible"] is True
    assert page.inner_text("#post-title")
    page.wait_for_selector("#download")
    assert page.locator("#post-image").is_visible()
    assert "498" in page.inner_text("#status")
    # The poster whole, at its own ratio (not cut to a square), here and in the history.
    assert ratio(page, "#post-image") == pytest.approx(16 / 9, rel=0.02)
    page.wait_for_selector("#history .panel img")
    assert ratio(page, "#history .panel img") == pytest.approx(16 / 9, rel=0.02)
    page.click("#download")
    check_download(page, live, client, downloads=1)
    haptics = events(page, "web_app_trigger_haptic_feedback")
    assert {"type": "notification", "notification_type": "success"} in haptics
    if client == CURRENT:
        shoot(page, "studio-result-light")
    assert page.errors == [] and page.unsupported == []
    if client == CURRENT:
        dark = open_app(browser, live, PARTNER_ID, dark=True)
        dark.wait_for_selector("#history .panel")
        shoot(dark, "studio-dark")


def test_a_cut_event_stream_is_opened_again_and_the_post_arrives(browser, live: Live, client):
    live.run(lambda app: app.services.accounts.get_or_create(PARTNER_ID, "en"))
    live.run(make_pro)
    page = open_app(browser, live, PARTNER_ID, version=client)
    page.wait_for_selector("#post_type")
    opened: list[str] = []

    def cut_the_first(route: object) -> None:
        opened.append(route.request.url)  # type: ignore[attr-defined]
        if len(opened) == 1:
            route.abort("connectionreset")  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    page.route("**/api/jobs/*/events", cut_the_first)
    press_main(page)
    page.wait_for_selector("#download")
    assert len(opened) >= 2 and len(set(opened)) == 1  # the same job's stream, again
    assert page.locator("#post-image").count() == 1
    assert "498" in page.inner_text("#status")
    assert page.errors == [] and page.unsupported == []


def test_a_partner_stops_a_post_and_gets_the_tokens_back(browser, live: Live, client):
    live.run(lambda app: app.services.accounts.get_or_create(PARTNER_ID, "en"))
    live.run(make_pro)
    page = open_app(browser, live, PARTNER_ID, version=client)
    page.wait_for_selector("#post_type")
    press_main(page)
    page.wait_for_selector("#post-text")  # written; the picture is painting
    page.click("#stop")
    page.wait_for_selector("#ended")
    assert "Stopped" in page.inner_text("#ended") and "500" in page.inner_text("#ended")
    assert page.locator("#stop").count() == 0 and page.locator("#post-image").count() == 0
    assert "500" in page.inner_text("#balance")
    account = live.run(lambda app: app.services.accounts.get(PARTNER_ID))
    assert account.balance == 500
    assert page.errors == [] and page.unsupported == []


async def _cosmic_user(app: App) -> None:
    await app.services.accounts.get_or_create(FAN_ID, "en")
    await app.services.ledger.set_tier(FAN_ID, "universe", expires_at=None, key="u", reason="t")
    account = await app.services.accounts.get(FAN_ID)
    assert account is not None

    async def no_telegram(ready: object) -> None:
        return None

    for params in (MatchParams("leo", "aries"), MoonParams()):
        await app.services.cosmic.create(account, params, f"seed-{params.category}", no_telegram)


def test_a_cosmic_user_favourites_an_image_and_opens_its_cards(browser, live: Live, client):
    live.run(_cosmic_user)
    page = open_app(browser, live, FAN_ID, version=client, screen="gallery")
    page.wait_for_selector("#grid .tile")
    assert page.locator("#grid .tile").count() == 2
    chips = page.locator("#filters button").evaluate_all("bs => bs.map(b => b.dataset.filter)")
    assert chips == ["all", "favourites", "daily", "match", "moon", "avatar", "studio"]
    if client == CURRENT:
        shoot(page, "gallery-light")
    page.locator("#grid .tile").first.click()
    page.wait_for_selector("#cards")
    page.click("#favourite")
    page.wait_for_function(
        "() => document.querySelector('#favourite').textContent === 'Unfavourite'"
    )
    cards = page.locator("#cards .card img")
    assert cards.count() == 4
    page.wait_for_function(  # four cards drawn on request: slow on a busy machine
        "() => [...document.querySelectorAll('#cards img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=90_000,
    )
    boxes = [page.locator("#cards .card").nth(i).bounding_box() for i in range(4)]
    assert len({round(box["y"]) for box in boxes}) == 1, "not side by side"
    assert sorted(box["x"] for box in boxes) == [box["x"] for box in boxes]
    page.locator("#cards .card button").first.click()  # a card's ⬇
    check_download(page, live, client, downloads=1)
    if client == CURRENT:
        page.click("#story")
        [story] = wait_event(page, "web_app_share_to_story")
        assert "/ig_story.png" in story["media_url"] and story["media_url"].startswith("https://")
        for _ in range(50):  # recorded once Telegram took it
            if today(live).shares_today == 1:
                break
            page.wait_for_timeout(100)
        assert today(live).shares_today == 1
        shoot(page, "gallery-image-light")
    else:  # no story button on a client without stories: a word why, and nothing counted
        assert page.locator("#story").count() == 0
        assert page.inner_text("#story-note") == STRINGS["story_unsupported"]
        assert events(page, "web_app_share_to_story") == []
        assert today(live).shares_today == 0
        shoot(page, "gallery-image-old-client-light")
    assert events(page, "web_app_setup_back_button")[-1] == {"is_visible": True}
    press_back(page)
    assert events(page, "web_app_setup_back_button")[-1] == {"is_visible": False}
    page.click("[data-filter=favourites]")
    # (the grid of all images is there until the filtered one replaces it)
    page.wait_for_function("() => document.querySelectorAll('#grid .tile').length === 1")
    assert page.errors == [] and page.unsupported == []
    if client == OLD:
        return
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


@pytest.mark.parametrize(
    ("client", "inline"),
    [(CURRENT, True), (CURRENT, False), (OLD, True)],
    ids=["client-9.6-inline", "client-9.6-no-inline", "client-7.0-inline"],
)
def test_sharing_in_a_chat_with_and_without_inline_mode(browser, live: Live, client, inline):
    live.run(_cosmic_user)
    page = open_app(browser, live, FAN_ID, version=client, inline=inline, screen="gallery")
    page.wait_for_selector("#grid .tile")
    image_id = page.locator("#grid .tile").first.get_attribute("data-id")
    page.locator("#grid .tile").first.click()
    page.click("#chat")
    if inline:  # the chat picker, with the image as an inline result
        [query] = wait_event(page, "web_app_switch_inline_query")
        assert query == {"query": f"img:{image_id}", "chat_types": ["users", "groups", "channels"]}
    else:  # the photo is in the chat with the bot, to forward
        assert toast(page) == STRINGS["sent_forward"]
        assert events(page, "web_app_switch_inline_query") == []
    assert len(live.telegram.sent("sendPhoto", FAN_ID)) == 1
    assert today(live).shares_today == 0  # the bot counts it when a result is chosen
    assert page.errors == [] and page.unsupported == []


def test_a_free_user_is_offered_the_upgrade_and_pays_with_stars(browser, live: Live, client):
    page = open_app(browser, live, FAN_ID, version=client, screen="cosmic")
    page.click("[data-kind=match]")
    press_main(page)
    page.wait_for_selector("#problem #upgrade")
    assert "Cosmic and Universe plans" in page.inner_text("#problem")
    page.click("#upgrade")
    page.wait_for_selector("#upgrade-note")
    if client == CURRENT:
        shoot(page, "plan-free-light")
    page.click("[data-product=cosmic30] .buy")
    [invoice] = wait_event(page, "web_app_open_invoice")
    assert invoice["slug"]
    page.evaluate(
        "slug => __client.receive('invoice_closed', { slug, status: 'paid' })", invoice["slug"]
    )
    assert toast(page) == STRINGS["paid"]
    assert page.errors == [] and page.unsupported == []


async def _a_shared_image(app: App) -> None:
    await _cosmic_user(app)
    image, _ = await app.services.cosmic.images.page(FAN_ID, 0)
    assert image is not None
    await app.services.analytics.share(image.id, FAN_ID, SharePlatform.TELEGRAM)


def test_an_admin_sees_the_dashboard(browser, live: Live, client):
    live.run(_a_shared_image)
    for scheme in (False, True):
        page = open_app(browser, live, ADMIN_ID, version=client, dark=scheme, screen="dashboard")
        page.wait_for_selector("#hit-rate")
        assert "Cache hit rate" in page.inner_text("#hit-rate")
        assert page.locator("#daily .day").count() == 7  # the cost chart, a column a day
        page.wait_for_function(  # this week's most shared image, as a picture
            "() => { const i = document.querySelector('#top img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert "· 1" in page.inner_text("#top")
        if client == CURRENT:
            shoot(page, f"dashboard-{'dark' if scheme else 'light'}")
        assert page.errors == [] and page.unsupported == []


def test_a_partner_gets_more_pictures_and_a_new_text_for_a_delivered_post(browser, live: Live):
    live.run(lambda app: app.services.accounts.get_or_create(PARTNER_ID, "en"))
    live.run(make_pro)
    page = open_app(browser, live, PARTNER_ID)
    page.wait_for_selector("#post_type")
    press_main(page)
    page.wait_for_selector("#act-pictures")
    assert page.inner_text("#act-pictures") == "🖼 3 more pictures · 3 tokens"
    assert page.inner_text("#act-text") == "📝 New text · 1 token"
    assert page.inner_text("#act-4k") == "🖥 4K · free"
    before = page.get_attribute("#post-image", "src")

    page.click("#act-pictures")
    page.wait_for_function(
        "() => { const s = [...document.querySelectorAll('#more-pictures img')];"
        " return s.length === 3 && s.every(i => i.complete && i.naturalWidth > 0); }"
    )
    assert "495" in page.inner_text("#balance")  # 500 - 2 for the post - 3 for the pictures
    chosen = page.locator("#more-pictures .use").nth(1)
    image_id = int(chosen.get_attribute("data-image"))
    chosen.click()
    assert toast(page) == STRINGS["picture_used"]
    page.wait_for_function(
        "before => document.querySelector('#post-image').src !== before", arg=before
    )
    post_id = live.run(lambda app: app.services.studio.recent_posts(PARTNER_ID, 1, 0))[0].id
    image = live.run(lambda app: app.services.studio.post_image(PARTNER_ID, post_id))
    assert image.id == image_id  # the gallery and the share cards show it now
    shoot(page, "studio-more-pictures-light")

    page.click("#act-text")
    page.wait_for_function(
        "() => document.querySelector('#action-status').textContent.includes('494')"
    )
    newest = live.run(lambda app: app.services.studio.recent_posts(PARTNER_ID, 1, 0))[0]
    assert newest.id != post_id  # the new text is a post of its own, with the same picture
    assert page.get_attribute("#post", "data-post-id") == str(newest.id)
    assert page.inner_text("#post-text") == newest.body
    assert "494" in page.inner_text("#balance")
    assert page.inner_text("#status") == "Done! 494 tokens left."  # not the post's 498
    account = live.run(lambda app: app.services.accounts.get(PARTNER_ID))
    assert account.balance == 494
    assert page.errors == [] and page.unsupported == []
