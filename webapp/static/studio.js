// Studio (PRO): type, audience, language, link → Generate (MainButton); the text shows as
// soon as it is written, then the image; history; download the original; send to chat.
import { api, download, el, failed, followJob, haptic, mainBusy, mainButton, state, t, tg, toast } from "./app.js";

function select(id, label, choices, value) {
  return [
    el("label", { for: id }, label),
    el("select", { id }, ...choices.map((c) => el("option", { value: c.value, selected: c.value === value }, c.label))),
  ];
}

async function sendToChat(imageId) {
  try {
    await api(`/api/images/${imageId}/send`, { method: "POST" });
    haptic("success");
    toast(t("sent_to_chat"));
  } catch (error) { failed(error); }
}

function postView(post, imageUrl, current = true) {
  const id = (name) => (current ? name : undefined);  // the post being made has the ids
  const box = el("div", { class: "panel", id: id("post") });
  box.append(
    el("p", { class: "post-title", id: id("post-title") }, post.title),
    el("p", { class: "post-body", id: id("post-text") }, post.body),
    el("p", { class: "tags" }, (post.hashtags || []).join(" ")),
  );
  if (imageUrl) box.append(el("img", { class: "preview", id: id("post-image"), src: imageUrl, alt: post.title }));
  return box;
}

function actions(result, imageId, current = true) {
  const row = el("div", { class: "row" });
  if (result.download_url) row.append(el("button", { class: "secondary", id: current ? "download" : undefined, onclick: () => download(result.download_url, `post-${result.post_id}.png`) }, t("download")));
  if (imageId) row.append(el("button", { class: "secondary", id: current ? "send" : undefined, onclick: () => sendToChat(imageId) }, t("send_to_chat")));
  return row;
}

async function history(list) {
  list.replaceChildren();
  const posts = await api("/api/pro/posts?limit=10");
  if (!posts.length) { list.append(el("p", { class: "hint" }, t("no_posts"))); return; }
  for (const post of posts) {
    const item = postView(post, post.thumb_url || post.image_url, false);
    item.append(actions(post, post.image_id, false));
    list.append(item);
  }
}

export async function render(root) {
  const me = state.me;
  root.append(el("h2", {}, t("tab_studio")));
  if (!me.is_pro) {
    root.append(el("p", { class: "panel", id: "pro-only" }, t("pro_only")));
    return;
  }
  const balance = el("p", { class: "hint", id: "balance" }, t("balance", { balance: me.balance }));
  root.append(
    balance,
    ...select("post_type", t("post_type"), me.post_types, me.post_types[0].value),
    ...select("audience", t("audience"), me.audiences, me.audiences[0].value),
    ...select("language", t("post_language"), me.languages, me.locale),
    el("label", { for: "link" }, t("referral_link")),
    el("input", { id: "link", type: "url", maxlength: "200", placeholder: "https://", value: me.referral_link || "" }),
  );
  const status = el("p", { class: "hint", id: "status" });
  const output = el("div", { id: "output" });
  root.append(status, output);
  // Outside Telegram (no MainButton) the same action is a button in the page.
  const inPage = el("button", { class: "primary", id: "generate", hidden: Boolean(tg) }, t("generate_cost", { cost: me.post_cost }));
  root.append(inPage);

  let running = false;
  async function generate() {
    if (running) return;
    running = true;
    mainBusy(true);
    inPage.disabled = true;
    output.replaceChildren();
    status.replaceChildren(el("span", { class: "spinner" }), t("writing"));
    const link = root.querySelector("#link").value.trim();
    const body = {
      post_type: root.querySelector("#post_type").value,
      target_audience: root.querySelector("#audience").value,
      language: root.querySelector("#language").value,
      referral_link: link || null,
    };
    try {
      // Asynchronous (RFC 7240): a job at once, its events streamed while it is made.
      const job = await api("/api/pro/generate", { method: "POST", body, headers: { Prefer: "respond-async" } });
      let view = null;
      // Stop: the run ends before the post is shown, wherever it runs; the tokens come back.
      const stop = el("button", { class: "secondary", id: "stop" }, t("stop"));
      stop.addEventListener("click", () => {
        stop.disabled = true;
        api(`/api/jobs/${job.job_id}/stop`, { method: "POST" }).catch(failed);
      });
      output.after(stop);
      try {
        await followJob(`/api/jobs/${job.job_id}/events`, (event) => {
          if (event.status === "writing") {
            // The post as far as it is written (a "writing" event every half second or so).
            output.replaceChildren(postView({ ...event.text, hashtags: [] }, null));
          } else if (event.status === "text_ready") {
            view = postView(event.text, null);
            output.replaceChildren(view);
            status.replaceChildren(el("span", { class: "spinner" }), t("painting"));
          } else if (event.status === "image_ready") {
            stop.remove(); // the post is being shown: too late to stop
            if (view && !view.querySelector("#post-image")) view.append(el("img", { class: "preview", id: "post-image", src: event.image_url, alt: "" }));
          } else if (event.status === "done") {
            const result = event.result;
            me.balance = result.tokens_remaining;
            balance.textContent = t("balance", { balance: me.balance });
            output.replaceChildren(postView(result, result.image_url));
            status.textContent = t("done", { balance: result.tokens_remaining });
            haptic("success");
            api("/api/pro/posts?limit=1").then(([post]) => output.append(actions(result, post && post.image_id))).catch(failed);
            history(root.querySelector("#history")).catch(failed);
          } else if (event.status === "failed") {
            if (typeof event.tokens_remaining === "number") {
              me.balance = event.tokens_remaining;
              balance.textContent = t("balance", { balance: me.balance });
            }
            if (event.stopped) output.replaceChildren();
            status.replaceChildren(el("span", { class: event.stopped ? "hint" : "error", id: "ended" }, event.message || t("interrupted")));
            haptic(event.stopped ? "warning" : "error");
          }
        });
      } finally {
        stop.remove();
      }
    } catch (error) {
      status.replaceChildren(el("span", { class: "error", id: "problem" }, error.message));
      failed(error);
    } finally {
      running = false;
      mainBusy(false);
      inPage.disabled = false;
    }
  }
  inPage.addEventListener("click", generate);
  mainButton(t("generate_cost", { cost: me.post_cost }), generate);
  const list = el("div", { id: "history" });
  root.append(el("h3", {}, t("history")), list);
  await history(list);
}
