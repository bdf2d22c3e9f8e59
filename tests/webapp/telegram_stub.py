"""A stand-in for https://telegram.org/js/telegram-web-app.js: Telegram.WebApp with signed
init data made by the test, a theme, and every call the app makes recorded in
`window.__tg.calls` (MainButton and BackButton pressed with `__tg.clickMain()`,
`__tg.back()`)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

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

TEMPLATE = """
(() => {
  const calls = [];
  const record = (name, ...args) => { calls.push({ name, args }); };
  const handlers = { main: [], back: [], events: {} };
  const main = {
    text: "", isVisible: false, isActive: true, isProgressVisible: false,
    setText(text) { this.text = text; record("MainButton.setText", text); return this; },
    show() { this.isVisible = true; record("MainButton.show"); return this; },
    hide() { this.isVisible = false; record("MainButton.hide"); return this; },
    enable() { this.isActive = true; return this; },
    disable() { this.isActive = false; return this; },
    showProgress() { this.isProgressVisible = true; return this; },
    hideProgress() { this.isProgressVisible = false; return this; },
    onClick(fn) { handlers.main.push(fn); return this; },
    offClick(fn) { handlers.main = handlers.main.filter((f) => f !== fn); return this; },
  };
  const back = {
    isVisible: false,
    show() { this.isVisible = true; record("BackButton.show"); },
    hide() { this.isVisible = false; record("BackButton.hide"); },
    onClick(fn) { handlers.back.push(fn); },
    offClick(fn) { handlers.back = handlers.back.filter((f) => f !== fn); },
  };
  window.__tg = {
    calls,
    clickMain() { if (main.isVisible && main.isActive) handlers.main.forEach((fn) => fn()); },
    back() { handlers.back.forEach((fn) => fn()); },
    named(name) { return calls.filter((c) => c.name === name); },
  };
  window.Telegram = { WebApp: {
    initData: INIT_DATA,
    initDataUnsafe: UNSAFE,
    version: "9.0",
    platform: "tdesktop",
    colorScheme: SCHEME,
    themeParams: THEME,
    MainButton: main,
    BackButton: back,
    HapticFeedback: {
      impactOccurred(style) { record("HapticFeedback.impactOccurred", style); },
      notificationOccurred(type) { record("HapticFeedback.notificationOccurred", type); },
      selectionChanged() { record("HapticFeedback.selectionChanged"); },
    },
    ready() { record("ready"); },
    expand() { record("expand"); },
    onEvent(name, fn) { (handlers.events[name] = handlers.events[name] || []).push(fn); },
    offEvent() {},
    downloadFile(params, cb) { record("downloadFile", params); if (cb) cb(true); },
    shareToStory(url, params) { record("shareToStory", url, params); },
    switchInlineQuery(query, types) { record("switchInlineQuery", query, types); },
    openInvoice(url, cb) { record("openInvoice", url); if (cb) setTimeout(() => cb("paid"), 10); },
  } };
})();
"""


def telegram_stub(init_data: str, dark: bool = False) -> str:
    fields = {key: values[0] for key, values in parse_qs(init_data).items()}
    unsafe = {"user": json.loads(fields["user"]), "auth_date": int(fields["auth_date"])}
    return (
        TEMPLATE.replace("INIT_DATA", json.dumps(init_data))
        .replace("UNSAFE", json.dumps(unsafe))
        .replace("SCHEME", json.dumps("dark" if dark else "light"))
        .replace("THEME", json.dumps(DARK if dark else LIGHT))
    )
