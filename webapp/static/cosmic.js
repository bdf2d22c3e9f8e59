// Cosmic: daily energy, compatibility, moon ritual, avatar — the chat's choices; the result
// opens like a gallery image; a plan that lacks it says so and offers the upgrade.
import { api, el, failed, haptic, mainBusy, mainButton, show, state, t, tg } from "./app.js";

const MOODS = ["radiant", "calm", "bold", "dreamy", "focused", "playful", "reflective", "passionate"];
const FOCI = ["career", "love", "health", "growth"];
let kind = null;

function picker(id, label, choices, value) {
  return el("div", {}, el("label", { for: id }, label),
    el("select", { id }, ...choices.map((c) => el("option", { value: c.value, selected: c.value === value }, c.label))));
}
const plain = (values) => values.map((v) => ({ value: v, label: v }));

// One form per kind: its fields, and the body of its request. The kinds themselves (their
// names, labels and routes, in menu order) come from the API (/api/me `kinds`).
const FORMS = {
  daily: {
    fields: (me, sign) => [picker("sign", t("your_sign"), me.signs, sign),
      el("label", { for: "energy" }, t("energy")), el("input", { id: "energy", type: "range", min: "1", max: "10", value: "7" }),
      picker("mood", t("mood"), plain(MOODS), "calm"), picker("focus", t("focus"), plain(FOCI), "growth")],
    body: (value, me) => {
      const body = { sign: value("sign") };
      if (me.tier !== "free") Object.assign(body, { energyLevel: Number(value("energy")), mood: value("mood"), focus: value("focus") });
      return body;
    },
  },
  match: {
    fields: (me, sign) => [picker("sign1", t("your_sign"), me.signs, sign), picker("sign2", t("their_sign"), me.signs, me.signs[4].value)],
    body: (value) => ({ user1: { sign: value("sign1") }, user2: { sign: value("sign2") } }),
  },
  moon: {
    fields: (me) => [picker("phase", t("moon_phase"), me.moon_phases, me.moon_today)],
    body: (value) => ({ phase: value("phase") }),
  },
  avatar: {
    fields: (me, sign) => [picker("sun", t("sun"), me.signs, sign), picker("moon", t("moon"), me.signs, sign), picker("rising", t("rising"), me.signs, sign),
      el("label", { for: "traits" }, t("traits")), el("input", { id: "traits", maxlength: "100" })],
    body: (value) => {
      const traits = value("traits").split(",").map((s) => s.trim()).filter(Boolean).slice(0, 3).map((s) => s.slice(0, 30));
      return { sunSign: value("sun"), moonSign: value("moon"), risingSign: value("rising"), traits };
    },
  },
};

function kinds() {
  return (state.me.kinds || []).filter((k) => FORMS[k.name]);
}

function form() {
  const me = state.me;
  return FORMS[kind.name].fields(me, me.sign || me.signs[0].value);
}

function request(root) {
  const value = (id) => root.querySelector(`#${id}`).value;
  return [kind.route, FORMS[kind.name].body(value, state.me)];
}

export async function render(root) {
  root.append(el("h2", {}, t("tab_cosmic")));
  kind = kinds().find((k) => kind && k.name === kind.name) || kinds()[0];
  root.append(el("div", { class: "chips", id: "kinds" }, ...kinds().map((k) => el("button", {
    "aria-pressed": String(k.name === kind.name), "data-kind": k.name,
    onclick: () => { kind = k; haptic(); root.replaceChildren(); render(root).catch(failed); },
  }, k.label))));
  root.append(el("div", { id: "form" }, ...form()));
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
      const answer = await api(path, { method: "POST", body });
      haptic("success");
      status.replaceChildren(el("img", { class: "preview", id: "result", src: answer.imageUrl, alt: kind.label }));
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
