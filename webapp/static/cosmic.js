// Cosmic: daily energy, compatibility, moon ritual, avatar — the chat's choices; the result
// opens like a gallery image; a plan that lacks it says so and offers the upgrade.
import { api, el, failed, haptic, mainBusy, mainButton, show, state, t, tg } from "./app.js";

const KINDS = ["daily", "match", "moon", "avatar"];
const MOODS = ["radiant", "calm", "bold", "dreamy", "focused", "playful", "reflective", "passionate"];
const FOCI = ["career", "love", "health", "growth"];
let kind = "daily";

function picker(id, label, choices, value) {
  return el("div", {}, el("label", { for: id }, label),
    el("select", { id }, ...choices.map((c) => el("option", { value: c.value, selected: c.value === value }, c.label))));
}
const plain = (values) => values.map((v) => ({ value: v, label: v }));

function form(root) {
  const me = state.me;
  const sign = me.sign || me.signs[0].value;
  if (kind === "daily") {
    return [picker("sign", t("your_sign"), me.signs, sign),
      el("label", { for: "energy" }, t("energy")), el("input", { id: "energy", type: "range", min: "1", max: "10", value: "7" }),
      picker("mood", t("mood"), plain(MOODS), "calm"), picker("focus", t("focus"), plain(FOCI), "growth")];
  }
  if (kind === "match") return [picker("sign1", t("your_sign"), me.signs, sign), picker("sign2", t("their_sign"), me.signs, me.signs[4].value)];
  if (kind === "moon") return [picker("phase", t("moon_phase"), me.moon_phases, me.moon_today)];
  return [picker("sun", t("sun"), me.signs, sign), picker("moon", t("moon"), me.signs, sign), picker("rising", t("rising"), me.signs, sign),
    el("label", { for: "traits" }, t("traits")), el("input", { id: "traits", maxlength: "100" })];
}

function request(root) {
  const value = (id) => root.querySelector(`#${id}`).value;
  if (kind === "daily") {
    const body = { sign: value("sign") };
    if (state.me.tier !== "free") Object.assign(body, { energy: Number(value("energy")), mood: value("mood"), focus: value("focus") });
    return ["daily-energy", body];
  }
  if (kind === "match") return ["compatibility", { sign1: value("sign1"), sign2: value("sign2") }];
  if (kind === "moon") return ["moon-ritual", { phase: value("phase") }];
  const traits = value("traits").split(",").map((s) => s.trim()).filter(Boolean).slice(0, 3).map((s) => s.slice(0, 30));
  return ["avatar", { sun: value("sun"), moon: value("moon"), rising: value("rising"), traits }];
}

export async function render(root) {
  root.append(el("h2", {}, t("tab_cosmic")));
  root.append(el("div", { class: "chips", id: "kinds" }, ...KINDS.map((name) => el("button", {
    "aria-pressed": String(name === kind), "data-kind": name,
    onclick: () => { kind = name; haptic(); root.replaceChildren(); render(root).catch(failed); },
  }, t(`cat_${name}`)))));
  root.append(el("div", { id: "form" }, ...form(root)));
  const status = el("div", { id: "status" });
  const inPage = el("button", { class: "primary", id: "make", hidden: Boolean(tg) }, t("make"));
  root.append(inPage, status);
  let busy = false;
  async function make() {
    if (busy) return;
    busy = true;
    mainBusy(true);
    status.replaceChildren(el("p", { class: "hint" }, el("span", { class: "spinner" }), t("making")));
    const [path, body] = request(root);
    try {
      const answer = await api(`/api/images/generate/${path}`, { method: "POST", body });
      haptic("success");
      status.replaceChildren(el("img", { class: "preview", id: "result", src: answer.image.image_url, alt: t(`cat_${kind}`) }));
    } catch (error) {
      const box = el("div", { class: "panel", id: "problem" }, el("p", { class: "error" }, error.message));
      if (error.code === "upgrade" || error.code === "limit") box.append(el("button", { class: "primary", id: "upgrade", onclick: () => show("plan") }, t("upgrade")));
      status.replaceChildren(box);
      haptic("warning");
    } finally {
      busy = false;
      mainBusy(false);
    }
  }
  inPage.addEventListener("click", make);
  mainButton(t("make"), make);
}
