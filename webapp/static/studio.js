// Studio (PRO): type, audience, language, link → Generate (MainButton); the text shows as
// soon as it is written, then the image; history; download the original; send to chat; and
// on a delivered post the chat's actions: a new text, more pictures, an edit, the 4K picture.
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

// A fresh key per press: a request sent again (a flaky network) is the same job, paid once.
function pressKey() {
  return (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function showBalance(balance) {
  if (typeof balance !== "number") return;
  state.me.balance = balance;
  const shown = document.getElementById("balance");
  if (shown) shown.textContent = t("balance", { balance });
  // The post's "Done! N tokens left." stays true after an action on it.
  const done = document.querySelector("#status[data-done]");
  if (done) done.textContent = t("done", { balance });
}

// The chat's actions under a delivered post (`box`, its panel), at the chat's prices. Each
// is a job followed as a post is; what it made shows under the buttons.
function postActions(box, post, current = true) {
  const costs = state.me.action_costs;
  const id = (name) => (current ? name : undefined);
  let postId = post.post_id;
  const out = el("div", { class: "action-out", id: id("action-out") });
  const status = el("p", { class: "hint", id: id("action-status") });
  const buttons = [];
  function button(name, label, run) {
    const b = el("button", { class: "secondary", id: id(`act-${name}`), "data-action": name }, label);
    b.addEventListener("click", async () => {
      if (buttons.some((x) => x.disabled)) return;
      buttons.forEach((x) => { x.disabled = true; });
      haptic();
      try { await run(); } catch (error) {
        status.replaceChildren(el("span", { class: "error" }, error.message));
        failed(error);
      } finally {
        buttons.forEach((x) => { x.disabled = false; });
      }
    });
    buttons.push(b);
    return b;
  }
  async function job(action, working, body) {
    status.replaceChildren(el("span", { class: "spinner" }), working);
    const started = await api(`/api/pro/posts/${postId}/${action}`, { method: "POST", body, headers: { "Idempotency-Key": pressKey() } });
    showBalance(started.tokens_remaining);
    // A new text may be stopped until it is shown, as in the chat (its tokens come back).
    const stop = action === "text" ? el("button", { class: "secondary", id: id("action-stop") }, t("stop")) : null;
    if (stop) {
      stop.addEventListener("click", () => {
        stop.disabled = true;
        api(`/api/jobs/${started.job_id}/stop`, { method: "POST" }).catch(failed);
      });
      status.after(stop);
    }
    let end = null;
    try {
      await followJob(`/api/jobs/${started.job_id}/events`, (event) => {
        if (action === "text" && (event.status === "writing" || event.status === "text_ready")) showText(event.text);
        if (stop && event.status === "image_ready") stop.remove();  // being shown: too late
        if (event.status === "done" || event.status === "failed") end = event;
      });
    } finally {
      if (stop) stop.remove();
    }
    if (end && end.status === "failed") {
      showBalance(end.tokens_remaining);
      status.replaceChildren(el("span", { class: "error", id: id("action-ended") }, end.message || t("interrupted")));
      haptic("error");
      return null;
    }
    haptic("success");
    return end && end.result;
  }
  function showText(text) {
    box.querySelector(".post-title").textContent = text.title || "";
    box.querySelector(".post-body").textContent = text.body || "";
    if (text.hashtags) box.querySelector(".tags").textContent = text.hashtags.join(" ");
  }
  function showPicture(url) {
    const img = box.querySelector("img.preview");
    if (img) img.src = url;
  }
  const newText = button("text", t("new_text", { cost: costs.text }), async () => {
    out.replaceChildren();
    const parts = ["post-title", "post-body", "tags"].map((name) => box.querySelector(`.${name}`));
    const shown = parts.map((part) => part.textContent);
    const restore = () => parts.forEach((part, n) => { part.textContent = shown[n]; });
    // Failed or stopped: the post's own text again (the new one was shown as it was written).
    const result = await job("text", t("new_text_writing", { cost: costs.text })).catch((error) => { restore(); throw error; });
    if (!result) { restore(); return; }
    showText(result);
    postId = result.post_id;  // the new text is a post of its own, with the same picture
    box.dataset.postId = postId;
    showBalance(result.tokens_remaining);
    status.textContent = t("done", { balance: result.tokens_remaining });
  });
  const pictures = button("pictures", t("more_pictures", { count: costs.picture_count, cost: t("tokens", { n: costs.pictures }) }), async () => {
    out.replaceChildren();
    const result = await job("pictures", t("painting_more", { count: costs.picture_count, price: t("tokens", { n: costs.pictures }) }));
    if (!result) return;
    showBalance(result.tokens_remaining);
    status.textContent = result.message;
    const grid = el("div", { class: "pictures", id: id("more-pictures") });
    for (const picture of result.pictures) {
      const use = el("button", { class: "secondary use", "data-image": picture.image_id }, t("use_picture"));
      use.addEventListener("click", async () => {
        try {
          const chosen = await api(`/api/pro/posts/${postId}/pictures/${picture.image_id}/use`, { method: "POST" });
          showPicture(chosen.image_url);
          grid.querySelectorAll(".picture").forEach((p) => p.classList.toggle("chosen", p.dataset.image === String(picture.image_id)));
          haptic("success");
          toast(t("picture_used"));
        } catch (error) { failed(error); }
      });
      grid.append(el("figure", { class: "picture", "data-image": picture.image_id }, el("img", { src: picture.image_url, alt: "" }), use));
    }
    out.append(grid);
  });
  const edit = button("edit", t("edit_picture", { cost: costs.edit }), async () => {
    out.replaceChildren();
    status.replaceChildren();
    const words = el("input", { type: "text", id: id("edit-words"), maxlength: "200", placeholder: t("edit_prompt") });
    const go = el("button", { class: "primary", id: id("edit-go") }, t("edit_go"));
    const form = el("form", { class: "edit-form" }, el("label", { for: id("edit-words") }, t("edit_prompt")), words, go);
    form.addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const request = words.value.trim();
      if (!request) { words.focus(); return; }
      go.disabled = true;
      try {
        const result = await job("edit", t("editing", { request }), { request });
        if (!result) return;
        showBalance(result.tokens_remaining);
        status.textContent = result.message;
        form.remove();
        if (result.image_url) out.append(el("img", { class: "preview", id: id("edited"), src: result.image_url, alt: "" }));
      } catch (error) {
        status.replaceChildren(el("span", { class: "error" }, error.message));
        failed(error);
      } finally { go.disabled = false; }
    });
    out.append(form);
    words.focus();
  });
  const fourK = button("4k", costs.four_k ? t("four_k", { cost: costs.four_k }) : t("four_k_free"), async () => {
    out.replaceChildren();
    const result = await job("4k", t("four_k_making"));
    if (!result) return;
    if (result.tokens_remaining !== null) showBalance(result.tokens_remaining);
    status.textContent = result.message;
    const name = `post-${result.post_id}-4k.png`;
    out.append(el("button", { class: "primary", id: id("download-4k"), onclick: () => download(result.download_url, name) }, t("download_4k")));
  });
  return el("div", { class: "post-actions" }, el("div", { class: "row" }, newText, pictures, edit, fourK), status, out);
}

async function history(list) {
  list.replaceChildren();
  const posts = await api("/api/pro/posts?limit=10");
  if (!posts.length) { list.append(el("p", { class: "hint" }, t("no_posts"))); return; }
  for (const post of posts) {
    const item = postView(post, post.thumb_url || post.image_url, false);
    item.append(actions(post, post.image_id, false), postActions(item, post, false));
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
    delete status.dataset.done;
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
            const shown = postView(result, result.image_url);
            output.replaceChildren(shown);
            status.textContent = t("done", { balance: result.tokens_remaining });
            status.dataset.done = "";
            haptic("success");
            api("/api/pro/posts?limit=1").then(([post]) => output.append(actions(result, post && post.image_id), postActions(shown, result))).catch(failed);
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
