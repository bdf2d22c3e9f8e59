"""Stand-ins for Telegram's https://telegram.org/js/telegram-web-app.js (Bot API 9.x) and
for the Telegram client around a Mini App, for the browser tests.

The script (`STAND_IN`, tests/webapp/telegram-web-app.js, routed in place of Telegram's)
knows nothing of the test and behaves as Telegram's does for everything the Mini App uses:
it reads the launch parameters from `location.hash` as a mobile client passes them
(`tgWebAppData`, `tgWebAppVersion`, `tgWebAppPlatform`, `tgWebAppThemeParams`,
`tgWebAppBotInline`; kept in sessionStorage), posts its events through
`window.TelegramWebviewProxy.postEvent(type, JSON)` (a mobile client; `window.external.notify`
or the parent frame's `postMessage` elsewhere), receives the client's through
`Telegram.WebView.receiveEvent(type, data)`, and throws what Telegram's throws: a method newer
than the client's version `Error("WebAppMethodUnsupported")` (with its console message),
`downloadFile` without an https URL `WebAppDownloadFileParamInvalid`, `switchInlineQuery`
without inline mode `WebAppInlineModeDisabled`. Written from the behaviour of Telegram's
script; none of its code is copied.

The client (`CLIENT`, tests/webapp/telegram_client.js, an init script) records every event the
page posts and keeps the native Main and Back buttons as the page set them up; the test
presses them (`__client.pressMain()`, `__client.pressBack()`: refused when the button is
hidden or inactive, as on a phone) and answers (`__client.receive("invoice_closed", ...)`).
It accepts every file download, as a person pressing "Save" does."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

OLD = "7.0"
"""A client from before file downloads (8.0) and stories (7.8)."""
CURRENT = "9.6"
VERSIONS = (OLD, CURRENT)

LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f1f1f4",
}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}


def launch_hash(
    init_data: str,
    *,
    version: str = CURRENT,
    platform: str = "android",
    dark: bool = False,
    inline: bool = True,
) -> str:
    """The `#fragment` a mobile client appends to the Mini App's URL."""
    params = {
        "tgWebAppData": init_data,
        "tgWebAppVersion": version,
        "tgWebAppPlatform": platform,
        "tgWebAppThemeParams": json.dumps(DARK if dark else LIGHT, separators=(",", ":")),
    }
    if inline:
        params["tgWebAppBotInline"] = "1"
    return "#" + urlencode(params, quote_via=quote)


HERE = Path(__file__).parent
CLIENT = (HERE / "telegram_client.js").read_text()
STAND_IN = (HERE / "telegram-web-app.js").read_text()
