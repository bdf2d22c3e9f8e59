// The Mini App's shell: Telegram.WebApp (theme, BackButton, MainButton, haptics), the API
// client (a Bearer token for the init data, renewed while open), the strings, the tabs and the screens.
import * as studio from "./studio.js";
import * as gallery from "./gallery.js";
import * as cosmic from "./cosmic.js";
import * as plan from "./plan.js";
import * as dashboard from "./dashboard.js";

export const tg = window.Telegram ? window.Telegram.WebApp : null;
export const state = { me: null, strings: {}, counted: {}, plural: null, tab: null, back: [] };

// The client's version each feature needs. Telegram's script is always the newest, so every
// method exists; on an older client it throws WebAppMethodUnsupported. Ask `supports`.
const NEEDS = {
  BackButton: "6.1",
  HapticFeedback: "6.1",
  openLink: "6.1",
  openInvoice: "6.1",
  switchInlineQuery: "6.6",
  shareToStory: "7.8",
  downloadFile: "8.0",
};

export function supports(feature) {
  try {
    return Boolean(tg && NEEDS[feature] && tg.isVersionAtLeast(NEEDS[feature]));
  } catch (error) {
    return false;
  }
}

// Inline mode is on for the bot (BotFather's /setinline): the client says so at launch.
export function inlineMode() {
  const view = window.Telegram && window.Telegram.WebView;
  return Boolean(view && view.initParams && view.initParams.tgWebAppBotInline);
}

// A call into Telegram: whatever it throws (an error code, not words) is logged, never shown;
// false tells the caller to fall back.
export function telegram(call) {
  if (!tg) return false;
  try {
    call();
    return true;
  } catch (error) {
    console.warn("Telegram refused:", error && error.message);
    return false;
  }
}

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// A counted string ("1 token", "5 tokens"; ru: "1 токен", "3 токена", "5 токенов") takes the
// form of the number in its `count` placeholder, by the language's plural rules.
function form(counted, n) {
  const category = state.plural ? state.plural.select(Number(n)) : Number(n) === 1 ? "one" : "other";
  return counted.forms[category] ?? counted.forms.other ?? counted.forms.many ?? Object.values(counted.forms).pop();
}

export function t(key, vars = {}) {
  const counted = state.counted[key];
  let text = counted ? form(counted, vars[counted.count]) : state.strings[key] || key;
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, value);
  return text;
}

// The session: the init data is exchanged for a short-lived Bearer token at start
// (POST /api/auth/telegram), and the token renews itself while the app stays open
// (POST /api/auth/refresh): the server accepts init data for two hours only. Without a
// token (the exchange failed), calls carry the init data and its 401 says why.
const session = { token: null, renewAt: 0 };

function remember({ token, expiresIn }) {
  session.token = token;
  session.renewAt = Date.now() + expiresIn * 800;  // at 80 % of its life
}

async function signIn() {
  try {
    const response = await fetch("/api/auth/telegram", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ initData: tg ? tg.initData : "" }),
    });
    if (response.ok) remember(await response.json());
  } catch (error) { /* offline: the first call says so */ }
}

async function authorization() {
  if (session.token && Date.now() > session.renewAt) {
    try {
      const response = await fetch("/api/auth/refresh", { method: "POST", headers: { Authorization: `Bearer ${session.token}` } });
      if (response.ok) remember(await response.json());
      else session.token = null;
    } catch (error) { /* offline: try again at the next call */ }
  }
  return session.token ? `Bearer ${session.token}` : `tma ${tg ? tg.initData : ""}`;
}

export async function api(path, { method = "GET", body, raw = false, headers: extra = {} } = {}) {
  const headers = { Authorization: await authorization(), ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, t("offline"));
  }
  if (!response.ok) {
    let problem = {};
    try { problem = (await response.json()).error || {}; } catch (error) { /* not JSON */ }
    throw new ApiError(response.status, problem.message || t("error"), problem.code);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  // The envelope of seed 003's routes, {"success": true, "data": ...}, is unwrapped here.
  const answer = await response.json();
  return answer !== null && answer.success === true && "data" in answer ? answer.data : answer;
}

// Server-sent events over fetch (EventSource cannot send the Authorization header).
export async function follow(path, onEvent) {
  const response = await api(path, { raw: true });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) onEvent(JSON.parse(data));
    }
  }
}

// A job's events until it ends: a stream cut short (the network, or the web process
// restarting) is opened again, on any web process; the events replay from the first.
export async function followJob(path, onEvent) {
  let ended = false;
  const seen = (event) => {
    if (event.status === "done" || event.status === "failed") ended = true;
    onEvent(event);
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await follow(path, seen);
    } catch (error) {
      if ((error instanceof ApiError && error.status !== 0) || attempt >= 5) throw error;
    }
    if (ended) return;
    if (attempt >= 5) throw new ApiError(0, t("offline"));
    await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 8000)));
  }
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

let toastTimer;
export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
}

export function haptic(kind) {
  if (!supports("HapticFeedback")) return;
  telegram(() => {
    if (kind === "success" || kind === "error" || kind === "warning") tg.HapticFeedback.notificationOccurred(kind);
    else tg.HapticFeedback.impactOccurred("light");
  });
}

export function absolute(url) { return new URL(url, location.href).href; }

// A link outside the app: Telegram opens it in the browser (6.1), else a new window.
export function openLink(url) {
  if (supports("openLink") && telegram(() => tg.openLink(absolute(url)))) return;
  window.open(absolute(url), "_blank");
}

// A file to the device: Telegram's own download (8.0, https links only); else the signed
// link opens in the browser, which saves it (the server answers it as an attachment). Either
// way the server counts the download when the link is fetched.
export function download(url, name) {
  haptic();
  const href = absolute(url);
  const direct = supports("downloadFile") && href.startsWith("https:");
  if (direct && telegram(() => tg.downloadFile({ url: href, file_name: name }))) return;
  openLink(href);
  toast(t("download_in_browser"));
}

export function failed(error) {
  haptic("error");
  toast(error.message || t("error"), "error");
}

// MainButton: the screen's main action (one at a time).
let mainHandler = null;
export function mainButton(text, handler) {
  telegram(() => {
    if (mainHandler) tg.MainButton.offClick(mainHandler);
    mainHandler = handler;
    if (!handler) { tg.MainButton.hide(); return; }
    tg.MainButton.setParams({ text, is_active: true, is_visible: true });
    tg.MainButton.onClick(handler);
  });
}
export function mainBusy(busy) {
  telegram(() => {
    if (busy) tg.MainButton.showProgress(false);
    else tg.MainButton.hideProgress();
  });
}

// BackButton (6.1): a nested view (an opened image) goes back to its screen.
export function pushView(render) {
  state.back.push(render);
  if (supports("BackButton")) telegram(() => tg.BackButton.show());
}
export function hideBack() {
  if (supports("BackButton")) telegram(() => tg.BackButton.hide());
}
function goBack() {
  const previous = state.back.pop();
  if (!state.back.length) hideBack();
  if (previous) previous();
}

function applyTheme() {
  const params = (tg && tg.themeParams) || {};
  const root = document.documentElement;
  for (const [key, value] of Object.entries(params)) root.style.setProperty(`--tg-theme-${key.replaceAll("_", "-")}`, value);
  root.classList.toggle("dark", Boolean(tg && tg.colorScheme === "dark"));
}

const SCREENS = { studio, gallery, cosmic, plan, dashboard };

export function show(name) {
  state.tab = name;
  state.back = [];
  hideBack();
  mainButton(null, null);
  for (const button of document.querySelectorAll("#tabs button")) button.setAttribute("aria-selected", String(button.dataset.tab === name));
  const root = document.getElementById("screen");
  root.replaceChildren();
  SCREENS[name].render(root).catch(failed);
}

function tabs() {
  const names = ["studio", "gallery", "cosmic", "plan"];
  if (state.me && state.me.is_admin) names.push("dashboard");
  document.getElementById("tabs").replaceChildren(
    ...names.map((name) => el("button", { role: "tab", "data-tab": name, onclick: () => { haptic(); show(name); } }, t(`tab_${name}`))),
  );
}

async function loadStrings(lang) {
  const answer = await fetch(`/api/i18n?lang=${encodeURIComponent(lang || "en")}`).then((r) => r.json());
  state.strings = answer.strings;
  state.counted = answer.counted || {};
  state.plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(answer.locale) : null;
  document.documentElement.lang = answer.locale;
}

async function start() {
  telegram(() => {
    tg.ready();
    tg.expand();
    tg.onEvent("themeChanged", applyTheme);
  });
  if (supports("BackButton")) telegram(() => tg.BackButton.onClick(goBack));
  applyTheme();
  const user = tg && tg.initDataUnsafe ? tg.initDataUnsafe.user : null;
  await loadStrings(user ? user.language_code : navigator.language);
  const root = document.getElementById("screen");
  await signIn();
  try {
    state.me = await api("/api/me");
  } catch (error) {
    root.replaceChildren(el("p", { class: "error" }, error.message));
    return;
  }
  if (state.me.locale !== document.documentElement.lang) await loadStrings(state.me.locale);
  tabs();
  const wanted = new URLSearchParams(location.search).get("screen") || (tg && tg.initDataUnsafe && tg.initDataUnsafe.start_param);
  show(SCREENS[wanted] ? wanted : state.me.is_pro ? "studio" : "gallery");
}

start();
