// A stand-in for https://telegram.org/js/telegram-web-app.js (tests/webapp/telegram_stub.py):
// written from the behaviour of Telegram's script, none of its code copied.
// WebView: the launch parameters, and events to and from the client.
(() => {
  const handlers = {};
  const decode = (text) => {
    try { return decodeURIComponent(text.replace(/\+/g, "%20")); } catch (e) { return text; }
  };
  const parseQuery = (query) => {
    const params = {};
    if (!query.length) return params;
    for (const part of query.split("&")) {
      const pair = part.split("=");
      params[decode(pair[0])] = pair[1] == null ? null : decode(pair[1]);
    }
    return params;
  };
  const parseHash = (hash) => {
    hash = hash.replace(/^#/, "");
    if (!hash.length) return {};
    if (hash.indexOf("=") < 0 && hash.indexOf("?") < 0) return { _path: decode(hash) };
    const params = {};
    const q = hash.indexOf("?");
    if (q >= 0) { params._path = decode(hash.slice(0, q)); hash = hash.slice(q + 1); }
    return Object.assign(params, parseQuery(hash));
  };
  const stored = (key) => {
    try { return JSON.parse(sessionStorage.getItem("__telegram__" + key)); } catch (e) { return null; }
  };
  const store = (key, value) => {
    try { sessionStorage.setItem("__telegram__" + key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  };
  let hash = "";
  try { hash = location.hash.toString(); } catch (e) { /* no location */ }
  const initParams = parseHash(hash);
  for (const [key, value] of Object.entries(stored("initParams") || {})) {
    if (initParams[key] === undefined) initParams[key] = value;
  }
  store("initParams", initParams);
  let isIframe = false;
  try { isIframe = window.parent != null && window !== window.parent; } catch (e) { /* cross-origin */ }

  function postEvent(eventType, callback, eventData) {
    callback = callback || (() => {});
    if (eventData === undefined) eventData = "";
    console.log("[Telegram.WebView] > postEvent", eventType, eventData);
    if (window.TelegramWebviewProxy !== undefined) {
      window.TelegramWebviewProxy.postEvent(eventType, JSON.stringify(eventData));
      callback();
    } else if (window.external && "notify" in window.external) {
      window.external.notify(JSON.stringify({ eventType, eventData }));
      callback();
    } else if (isIframe) {
      try {
        window.parent.postMessage(JSON.stringify({ eventType, eventData }), "*");
        callback();
      } catch (e) { callback(e); }
    } else {
      callback({ notAvailable: true });
    }
  }
  function callEventCallbacks(eventType, call) {
    for (const handler of handlers[eventType] || []) {
      try { call(handler); } catch (e) { /* as Telegram's: one handler's error stops no other */ }
    }
  }
  function receiveEvent(eventType, eventData) {
    console.log("[Telegram.WebView] < receiveEvent", eventType, eventData);
    callEventCallbacks(eventType, (handler) => handler(eventType, eventData));
  }
  function onEvent(eventType, callback) {
    const list = (handlers[eventType] = handlers[eventType] || []);
    if (!list.includes(callback)) list.push(callback);
  }
  function offEvent(eventType, callback) {
    const list = handlers[eventType] || [];
    const at = list.indexOf(callback);
    if (at >= 0) list.splice(at, 1);
  }
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = { initParams, isIframe, onEvent, offEvent, postEvent, receiveEvent, callEventCallbacks };
  window.Telegram.Utils = { urlSafeDecode: decode, urlParseQueryString: parseQuery, urlParseHashParams: parseHash,
    sessionStorageSet: store, sessionStorageGet: stored };
})();

// WebApp: what the Mini App calls.
(() => {
  const WebView = window.Telegram.WebView;
  const params = WebView.initParams;
  const WebApp = {};
  const version = params.tgWebAppVersion || "6.0";
  const platform = params.tgWebAppPlatform || "unknown";
  const initData = params.tgWebAppData || "";
  const initDataUnsafe = initData ? window.Telegram.Utils.urlParseQueryString(initData) : {};
  for (const [key, value] of Object.entries(initDataUnsafe)) {
    try {
      if ((value[0] === "{" && value.slice(-1) === "}") || (value[0] === "[" && value.slice(-1) === "]")) {
        initDataUnsafe[key] = JSON.parse(value);
      }
    } catch (e) { /* left as text */ }
  }

  function compare(a, b) {
    const x = (typeof a === "string" ? a : "").trim().split(".");
    const y = (typeof b === "string" ? b : "").trim().split(".");
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const p = parseInt(x[i]) || 0, q = parseInt(y[i]) || 0;
      if (p !== q) return p > q ? 1 : -1;
    }
    return 0;
  }
  const atLeast = (wanted) => compare(version, wanted) >= 0;
  function requires(wanted, method) {
    if (!atLeast(wanted)) {
      console.error(`[Telegram.WebApp] Method ${method} is not supported in version ${version}`);
      throw Error("WebAppMethodUnsupported");
    }
  }
  function invalid(message, code, ...details) {
    console.error(`[Telegram.WebApp] ${message}`, ...details);
    throw Error(code);
  }
  const trim = (text) => text.toString().trim();
  const link = (url) => { const a = document.createElement("A"); a.href = url; return a; };
  const post = (type, data) => WebView.postEvent(type, false, data);
  const emit = (name, ...args) => WebView.callEventCallbacks("webview:" + name, (handler) => handler.apply(WebApp, args));
  const on = (name, callback) => WebView.onEvent("webview:" + name, callback);
  const off = (name, callback) => WebView.offEvent("webview:" + name, callback);

  // The theme as the client gives it: colours, the scheme from the background's brightness.
  const themeParams = {};
  let colorScheme = "light";
  function hex(color) {
    const m6 = /^\s*#([0-9a-f]{6})\s*$/i.exec(color + "");
    if (m6) return "#" + m6[1].toLowerCase();
    const m3 = /^\s*#([0-9a-f])([0-9a-f])([0-9a-f])\s*$/i.exec(color + "");
    return m3 ? ("#" + m3[1] + m3[1] + m3[2] + m3[2] + m3[3] + m3[3]).toLowerCase() : false;
  }
  function dark(color) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
    return Math.sqrt(0.299 * r * r + 0.587 * g * g + 0.114 * b * b) < 120;
  }
  function setThemeParams(theme) {
    for (const [key, value] of Object.entries(theme)) {
      const color = hex(value);
      if (!color) continue;
      themeParams[key] = color;
      if (key === "bg_color") {
        colorScheme = dark(color) ? "dark" : "light";
        document.documentElement.style.setProperty("--tg-color-scheme", colorScheme);
      }
      document.documentElement.style.setProperty("--tg-theme-" + key.split("_").join("-"), color);
    }
    window.Telegram.Utils.sessionStorageSet("themeParams", themeParams);
  }
  try { if (params.tgWebAppThemeParams) setThemeParams(JSON.parse(params.tgWebAppThemeParams)); } catch (e) { /* none */ }
  const storedTheme = window.Telegram.Utils.sessionStorageGet("themeParams");
  if (storedTheme) setThemeParams(storedTheme);
  WebView.onEvent("theme_changed", (type, data) => {
    if (data.theme_params) { setThemeParams(data.theme_params); emit("themeChanged"); }
  });

  // BackButton (6.1): shown and hidden by web_app_setup_back_button; pressed by the client.
  let backVisible = false, backState = null;
  function backSupported() {
    if (atLeast("6.1")) return true;
    console.warn(`[Telegram.WebApp] BackButton is not supported in version ${version}`);
    return false;
  }
  function setBack(visible) {
    if (!backSupported()) return BackButton;
    backVisible = visible;
    const state = JSON.stringify({ is_visible: backVisible });
    if (state !== backState) { backState = state; post("web_app_setup_back_button", { is_visible: backVisible }); }
    return BackButton;
  }
  const BackButton = {
    get isVisible() { return backVisible; },
    show: () => setBack(true),
    hide: () => setBack(false),
    onClick(callback) { if (backSupported()) on("backButtonClicked", callback); return BackButton; },
    offClick(callback) { if (backSupported()) off("backButtonClicked", callback); return BackButton; },
  };
  WebView.onEvent("back_button_pressed", () => emit("backButtonClicked"));

  // MainButton: the client's own button, set up by web_app_setup_main_button.
  const main = { text: "Continue", visible: false, active: true, progress: false, color: false, textColor: false, shine: false };
  let mainState = null;
  function mainParams() {
    if (!main.visible) return { is_visible: false };
    return {
      is_visible: true, is_active: main.active, is_progress_visible: main.progress, icon_custom_emoji_id: false,
      text: main.text, color: main.color || themeParams.button_color || "#2481cc",
      text_color: main.textColor || themeParams.button_text_color || "#ffffff",
      has_shine_effect: main.shine && main.active && !main.progress,
    };
  }
  function updateMain() {
    const setup = mainParams();
    const state = JSON.stringify(setup);
    if (state !== mainState) { mainState = state; post("web_app_setup_main_button", setup); }
    return MainButton;
  }
  function setMain(changes) {
    if (changes.text !== undefined) {
      const text = trim(changes.text);
      if (!text.length) invalid("Bottom button text is required", "WebAppBottomButtonParamInvalid", changes.text);
      if (text.length > 64) invalid("Bottom button text is too long", "WebAppBottomButtonParamInvalid", text);
      main.text = text;
    }
    for (const [key, field] of [["color", "color"], ["text_color", "textColor"]]) {
      if (changes[key] === undefined) continue;
      if (changes[key] === false || changes[key] === null) { main[field] = false; continue; }
      const color = hex(changes[key]);
      if (!color) invalid("Bottom button color format is invalid", "WebAppBottomButtonParamInvalid", changes[key]);
      main[field] = color;
    }
    if (changes.is_visible !== undefined) {
      if (changes.is_visible && !main.text.length) invalid("Bottom button text is required", "WebAppBottomButtonParamInvalid");
      main.visible = Boolean(changes.is_visible);
    }
    if (changes.has_shine_effect !== undefined) main.shine = Boolean(changes.has_shine_effect);
    if (changes.is_active !== undefined) main.active = Boolean(changes.is_active);
    return updateMain();
  }
  const MainButton = {
    type: "main",
    get text() { return main.text; },
    get isVisible() { return main.visible; },
    get isActive() { return main.active; },
    get isProgressVisible() { return main.progress; },
    setParams: setMain,
    setText: (text) => setMain({ text }),
    show: () => setMain({ is_visible: true }),
    hide: () => setMain({ is_visible: false }),
    enable: () => setMain({ is_active: true }),
    disable: () => setMain({ is_active: false }),
    showProgress(leaveActive) { main.active = Boolean(leaveActive); main.progress = true; return updateMain(); },
    hideProgress() { main.active = true; main.progress = false; return updateMain(); },
    onClick(callback) { on("mainButtonClicked", callback); return MainButton; },
    offClick(callback) { off("mainButtonClicked", callback); return MainButton; },
  };
  WebView.onEvent("main_button_pressed", () => { if (main.active) emit("mainButtonClicked"); });

  // HapticFeedback (6.1).
  function haptic(setup) {
    if (!atLeast("6.1")) {
      console.warn(`[Telegram.WebApp] HapticFeedback is not supported in version ${version}`);
      return HapticFeedback;
    }
    if (setup.type === "impact" && !["light", "medium", "heavy", "rigid", "soft"].includes(setup.impact_style)) {
      invalid("Haptic impact style is invalid", "WebAppHapticImpactStyleInvalid", setup.impact_style);
    }
    if (setup.type === "notification" && !["error", "success", "warning"].includes(setup.notification_type)) {
      invalid("Haptic notification type is invalid", "WebAppHapticNotificationTypeInvalid", setup.notification_type);
    }
    post("web_app_trigger_haptic_feedback", setup);
    return HapticFeedback;
  }
  const HapticFeedback = {
    impactOccurred: (style) => haptic({ type: "impact", impact_style: style }),
    notificationOccurred: (type) => haptic({ type: "notification", notification_type: type }),
    selectionChanged: () => haptic({ type: "selection_change" }),
  };

  // Invoices (6.1): the client answers invoice_closed with the invoice's slug.
  const invoices = {};
  WebView.onEvent("invoice_closed", (type, data) => {
    const invoice = data.slug && invoices[data.slug];
    if (!invoice) return;
    delete invoices[data.slug];
    if (invoice.callback) invoice.callback(data.status);
    emit("invoiceClosed", { url: invoice.url, status: data.status });
  });

  // Downloads (8.0): the client answers file_download_requested.
  let download = null;
  WebView.onEvent("file_download_requested", (type, data) => {
    if (!download) return;
    const asked = download;
    download = null;
    const downloading = data.status === "downloading";
    if (asked.callback) asked.callback(downloading);
    emit("fileDownloadRequested", { status: downloading ? "downloading" : "cancelled" });
  });

  Object.assign(WebApp, {
    initData, initDataUnsafe, version, platform, themeParams, BackButton, MainButton, HapticFeedback,
    isVersionAtLeast: (wanted) => atLeast(wanted),
    onEvent: on,
    offEvent: off,
    ready: () => post("web_app_ready"),
    expand: () => post("web_app_expand"),
    close: () => post("web_app_close", {}),
    openLink(url, options) {
      const a = link(url);
      if (a.protocol !== "http:" && a.protocol !== "https:") invalid("Url protocol is not supported", "WebAppTgUrlInvalid", url);
      options = options || {};
      if (!atLeast("6.1")) { window.open(a.href, "_blank"); return; }
      const setup = { url: a.href };
      if (atLeast("6.4") && options.try_instant_view) setup.try_instant_view = true;
      if (atLeast("7.6") && options.try_browser) setup.try_browser = options.try_browser;
      post("web_app_open_link", setup);
    },
    openInvoice(url, callback) {
      const a = link(url);
      const match = a.pathname.match(/^\/(\$|invoice\/)([A-Za-z0-9\-_=]+)$/);
      if ((a.protocol !== "http:" && a.protocol !== "https:") || a.hostname !== "t.me" || !match) {
        invalid("Invoice url is invalid", "WebAppInvoiceUrlInvalid", url);
      }
      requires("6.1", "openInvoice");
      const slug = match[2];
      if (invoices[slug]) invalid("Invoice is already opened", "WebAppInvoiceOpened");
      invoices[slug] = { url, callback };
      post("web_app_open_invoice", { slug });
    },
    downloadFile(setup, callback) {
      requires("8.0", "downloadFile");
      if (download) invalid("Popup is already opened", "WebAppDownloadFilePopupOpened");
      if (!setup || !setup.url || !setup.url.length) invalid("Url is required", "WebAppDownloadFileParamInvalid");
      const a = link(setup.url);
      if (a.protocol !== "https:") invalid("Url protocol is not supported", "WebAppDownloadFileParamInvalid", setup.url);
      if (!setup.file_name || !setup.file_name.length) invalid("File name is required", "WebAppDownloadFileParamInvalid");
      download = { callback };
      post("web_app_request_file_download", { url: a.href, file_name: setup.file_name });
    },
    shareToStory(mediaUrl, options) {
      options = options || {};
      requires("7.8", "shareToStory");
      const a = link(mediaUrl);
      if (a.protocol !== "http:" && a.protocol !== "https:") invalid("Media url protocol is not supported", "WebAppMediaUrlInvalid", mediaUrl);
      const setup = { media_url: a.href };
      if (options.text !== undefined) {
        const text = trim(options.text);
        if (text.length > 2048) invalid("Text is too long", "WebAppShareToStoryParamInvalid", text);
        if (text.length) setup.text = text;
      }
      if (options.widget_link !== undefined) {
        const widget = options.widget_link || {};
        const target = link(widget.url);
        if (target.protocol !== "http:" && target.protocol !== "https:") invalid("Link protocol is not supported", "WebAppShareToStoryParamInvalid", widget.url);
        setup.widget_link = { url: target.href };
        if (widget.name !== undefined) {
          const name = trim(widget.name);
          if (name.length > 48) invalid("Link name is too long", "WebAppShareToStoryParamInvalid", name);
          if (name.length) setup.widget_link.name = name;
        }
      }
      post("web_app_share_to_story", setup);
    },
    switchInlineQuery(query, chooseChatTypes) {
      requires("6.6", "switchInlineQuery");
      if (!params.tgWebAppBotInline) {
        invalid("Inline mode is disabled for this bot. Read more about inline mode: https://core.telegram.org/bots/inline", "WebAppInlineModeDisabled");
      }
      query = query || "";
      if (query.length > 256) invalid("Inline query is too long", "WebAppInlineQueryInvalid", query);
      const chatTypes = [];
      if (chooseChatTypes) {
        if (!Array.isArray(chooseChatTypes)) invalid("Choose chat types should be an array", "WebAppInlineChooseChatTypesInvalid", chooseChatTypes);
        for (const type of chooseChatTypes) {
          if (!["users", "bots", "groups", "channels"].includes(type)) invalid("Choose chat type is invalid", "WebAppInlineChooseChatTypeInvalid", type);
          if (!chatTypes.includes(type)) chatTypes.push(type);
        }
      }
      post("web_app_switch_inline_query", { query, chat_types: chatTypes });
    },
    requestFullscreen() { requires("8.0", "requestFullscreen"); post("web_app_request_fullscreen"); },
    shareMessage(id, callback) { requires("8.0", "shareMessage"); post("web_app_send_prepared_message", { id }); },
  });
  Object.defineProperty(WebApp, "colorScheme", { get: () => colorScheme, enumerable: true });
  window.Telegram.WebApp = WebApp;
  post("web_app_request_theme");
  post("web_app_request_viewport");
})();
