// Dashboard (admins): today's figures, this week's viral and top images, the cost report
// per model as a bar chart with the cache's hit rate, and the daily batch on demand.
import { api, el, failed, haptic, t, toast } from "./app.js";

function stat(label, value) { return el("div", { class: "stat" }, el("b", {}, String(value)), el("span", { class: "hint" }, label)); }

function list(title, rows) {
  return [el("h3", {}, title), el("p", { class: "hint" }, rows.length ? rows.map((r) => `#${r.imageId} · ${r.shares}`).join("  ") : "—")];
}

export async function render(root) {
  const [board, report] = await Promise.all([api("/api/images/admin/stats"), api("/api/images/admin/cost-report?days=7")]);
  const dearest = Math.max(0.000001, ...report.byModel.map((m) => m.costUsd));
  root.append(
    el("h2", {}, t("tab_dashboard")),
    el("div", { class: "stats", id: "today" },
      stat(t("images_today"), board.imagesToday), stat(t("shares_today"), board.sharesToday),
      stat(t("downloads_today"), board.downloadsToday), stat(t("cost_today"), `$${board.costToday.toFixed(4)}`)),
    ...list(t("viral"), board.viralWeek),
    ...list(t("top"), board.topWeek),
    el("h3", {}, t("cost_report", { days: report.days })),
    el("div", { class: "bars", id: "costs" }, ...report.byModel.map((m) => el("div", { class: "bar" },
      el("span", {}, `${m.kind} · ${m.provider}:${m.model}`),
      el("span", { class: "fill", style: `width:${Math.max(2, (100 * m.costUsd) / dearest)}%` }),
      el("span", {}, `$${m.costUsd.toFixed(4)} · ${m.calls}`)))),
    el("p", { class: "hint", id: "hit-rate" }, `${t("hit_rate")}: ${(report.cacheStats.hitRate * 100).toFixed(1)}%`),
  );
  const batch = el("button", { class: "primary", id: "batch" }, t("batch"));
  batch.addEventListener("click", async () => {
    batch.disabled = true;
    try {
      const result = await api("/api/images/admin/batch-generate", { method: "POST", body: {} });
      haptic("success");
      toast(t("batch_done", result));
    } catch (error) { failed(error); } finally { batch.disabled = false; }
  });
  root.append(batch);
}
