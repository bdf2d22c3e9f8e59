// Plan & usage: the tier, this week's use, the tiers, and Stars payments
// (createInvoiceLink on the server, openInvoice here).
import { api, el, failed, haptic, openLink, state, supports, t, telegram, tg, toast } from "./app.js";

function paid(root) {
  return (status) => {
    if (status !== "paid") return;
    haptic("success");
    toast(t("paid"));
    setTimeout(() => { root.replaceChildren(); render(root).catch(failed); }, 1500);
  };
}

// Stars: the invoice inside the app (openInvoice, 6.1); else its t.me link, which Telegram
// opens as the same payment.
async function buy(product, root) {
  haptic();
  try {
    const { url } = await api("/api/plan/invoice", { method: "POST", body: { product } });
    if (supports("openInvoice") && telegram(() => tg.openInvoice(url, paid(root)))) return;
    openLink(url);
  } catch (error) { failed(error); }
}

export async function render(root) {
  const stats = await api("/api/images/usage/stats");
  state.me.tier = stats.tier;
  const use = stats.weeklyLimit === null ? t("week_unlimited", { used: stats.weeklyUsage }) : t("week_use", { used: stats.weeklyUsage, limit: stats.weeklyLimit });
  root.append(
    el("h2", {}, t("plan_title")),
    el("div", { class: "panel", id: "usage" },
      el("p", { class: "post-title" }, t(`tier_${stats.tier}`)),
      el("p", {}, use),
      el("p", { class: "hint" }, t("resets", { date: stats.resetsAt.slice(0, 10) })),
      stats.isPro ? el("p", {}, t("balance", { balance: stats.balance })) : null),
  );
  if (stats.tier === "free") root.append(el("p", { class: "panel", id: "upgrade-note" }, t("free_upgrade")));
  for (const plan of stats.plans) {
    const current = plan.product.startsWith(stats.tier) && stats.tier !== "free";
    root.append(el("div", { class: `panel tier${current ? " current" : ""}`, "data-product": plan.product },
      el("div", {}, el("p", { class: "post-title" }, plan.title), el("p", { class: "hint" }, plan.description)),
      el("button", { class: "secondary buy", onclick: () => buy(plan.product, root) }, t("buy", { stars: plan.stars }))));
  }
}
