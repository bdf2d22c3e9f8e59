// Gallery: the user's images in a grid (category filter, favourites); an image opens with
// its four share cards side by side: download each, the story card to a story, the image
// into a chat with inline mode.
import { absolute, api, download, el, failed, haptic, hideBack, inlineMode, pushView, state, supports, t, telegram, tg, toast } from "./app.js";

const FILTERS = ["all", "favourites"];

function filters() {
  // then one per category, as the server names them: every cat_ string, in its order
  const categories = Object.keys(state.strings).filter((key) => key.startsWith("cat_"));
  return [...FILTERS, ...categories.map((key) => key.slice("cat_".length))];
}
const CARDS = ["instagram_square", "instagram_story", "twitter", "facebook"];  // seed 003's names
let filter = "all";

function label(name) {
  return name === "all" || name === "favourites" ? t(name) : t(`cat_${name}`);
}

// A story (7.8): counted once Telegram took it, not when the button is pressed.
async function toStory(image) {
  haptic();
  const story = { text: "#CosmicCoach" };
  if (!supports("shareToStory") || !telegram(() => tg.shareToStory(absolute(image.cards.instagram_story), story))) {
    toast(t("story_failed"), "error");
    return;
  }
  try {
    await api(`/api/images/${image.imageId}/shared`, { method: "POST", body: { platform: "story" } });
  } catch (error) { /* the story is made; only the count is lost */ }
}

// Into a chat: the photo goes to the chat with the bot first (inline mode offers Telegram's
// copy); then the chat picker with inline mode (6.6, and on for the bot), else the person
// forwards it. The bot counts the share when an inline result is chosen.
async function toChat(image) {
  haptic();
  try {
    await api(`/api/images/${image.imageId}/send`, { method: "POST" });
  } catch (error) { failed(error); return; }
  const query = `img:${image.imageId}`;
  if (supports("switchInlineQuery") && inlineMode() && telegram(() => tg.switchInlineQuery(query, ["users", "groups", "channels"]))) return;
  haptic("success");
  toast(t("sent_forward"));
}

// Stories need a newer client: no button there, a word why instead.
function storyButton(image) {
  if (supports("shareToStory")) return el("button", { class: "secondary", id: "story", onclick: () => toStory(image) }, t("share_story"));
  return null;
}

function detail(root, image, back) {
  root.replaceChildren();
  const star = el("button", { class: "secondary", id: "favourite" }, image.favourite ? t("unfavourite") : t("favourite"));
  star.addEventListener("click", async () => {
    try {
      const answer = await api(`/api/images/${image.imageId}/favourite`, { method: image.favourite ? "DELETE" : "POST" });
      image.favourite = answer.favourite;
      star.textContent = image.favourite ? t("unfavourite") : t("favourite");
      haptic("success");
    } catch (error) { failed(error); }
  });
  const remove = el("button", { class: "secondary error", id: "delete" }, t("delete"));
  remove.addEventListener("click", async () => {
    try {
      await api(`/api/images/${image.imageId}`, { method: "DELETE" });
      toast(t("deleted"));
      back();
    } catch (error) { failed(error); }
  });
  const cards = el("div", { class: "cards", id: "cards" }, ...CARDS.map((format) => el("div", { class: "card", "data-format": format },
    el("img", { src: image.cards[format], alt: t(`card_${format}`), loading: "lazy" }),
    el("span", {}, t(`card_${format}`)),
    el("button", { class: "secondary", onclick: () => download(`${image.cards[format]}&download=1`, `card-${image.imageId}-${format}.png`) }, "⬇"),
  )));
  root.append(
    el("img", { class: "preview", id: "original", src: image.imageUrl, alt: label(image.category) }),
    el("div", { class: "row" }, star, el("button", { class: "secondary", id: "download", onclick: () => download(image.downloadUrl, `cosmic-${image.imageId}.png`) }, t("download")), remove),
    el("h3", {}, t("share_cards")),
    cards,
    el("div", { class: "row" },
      storyButton(image),
      el("button", { class: "secondary", id: "chat", onclick: () => toChat(image) }, t("share_chat"))),
    supports("shareToStory") ? null : el("p", { class: "note", id: "story-note" }, t("story_unsupported")),
  );
}

async function grid(root) {
  const query = new URLSearchParams({ limit: "60" });
  if (filter === "favourites") query.set("favourites", "true");
  else if (filter !== "all") query.set("category", filter);
  const list = el("div", { class: "grid", id: "grid" });
  const page = await api(`/api/images/my-gallery?${query}`);
  root.append(page.images.length ? list : el("p", { class: "hint", id: "empty" }, t("empty_gallery")));
  for (const image of page.images) {
    list.append(el("button", { class: "tile", "data-id": image.imageId, onclick: () => open(root, image) },
      el("img", { src: image.thumbUrl, alt: label(image.category), loading: "lazy" }),
      image.favourite ? el("span", { class: "star" }, "★") : null));
  }
}

function open(root, image) {
  haptic();
  const screen = root;
  const back = () => { screen.replaceChildren(); render(screen).catch(failed); };
  pushView(back);
  detail(screen, image, () => { state.back.pop(); hideBack(); back(); });
}

export async function render(root) {
  root.append(el("h2", {}, t("tab_gallery")));
  root.append(el("div", { class: "chips", id: "filters" }, ...filters().map((name) => el("button", {
    "aria-pressed": String(name === filter), "data-filter": name,
    onclick: () => { filter = name; haptic(); root.replaceChildren(); render(root).catch(failed); },
  }, label(name)))));
  await grid(root);
}
