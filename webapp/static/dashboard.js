// Dashboard (admins): today's figures, this week's viral and top images (their pictures),
// the cost report as a chart per day and bars per model with the cache's hit rate, and the
// daily batch on demand.
import { api, el, failed, haptic, t, toast } from "./app.js";

function stat(label, value) { return el("div", { class: "stat" }, el("b", {}, String(value)), el("span", { class: "hint" }, label)); }

// An image of the viral / top lists: its picture (a signed URL) with its share count.
function thumb(row) {
  const label = `#${row.imageId} · ${row.shares}`;
  const picture = row.thumbUrl ? el("img", { src: row.thumbUrl, alt: `#${row.imageId}`, loading: "lazy" }) : el("span", { class: "missing" }, "—");
  return el("figure", { class: "thumb", title: label }, picture, el("figcaption", { class: "hint" }, label));
}

function list(title, rows, id) {
  return [el("h3", {}, title), rows.length ? el("div", { class: "thumbs", id }, ...rows.map(thumb)) : el("p", { class: "hint", id }, "—")];
}

// The cost per day as columns (the day of the month under each, the figures on hover).
function daily(days) {
  const dearest = Math.max(0.000001, ...days.map((d) => d.costUsd));
  return el("div", { class: "days", id: "daily", role: "img" }, ...days.map((d) => el("div", { class: "day", title: `${d.date}: $${d.costUsd.toFixed(4)} · ${d.calls}` },
    el("span", { class: "col", style: `height:${Math.max(2, (100 * d.costUsd) / dearest)}%` }),
    el("span", { class: "hint" }, d.date.slice(8)))));
}

export async function render(root) {
  const [board, report] = await Promise.all([api("/api/images/admin/stats"), api("/api/images/admin/cost-report?days=7")]);
  const dearest = Math.max(0.000001, ...report.breakdown.map((m) => m.costUsd));
  root.append(
    el("h2", {}, t("tab_dashboard")),
    el("div", { class: "stats", id: "today" },
      stat(t("images_today"), board.imagesToday), stat(t("shares_today"), board.sharesToday),
      stat(t("downloads_today"), board.downloadsToday), stat(t("cost_today"), `$${board.costToday.toFixed(4)}`)),
    ...list(t("viral"), board.viralWeek, "viral"),
    ...list(t("top"), board.topWeek, "top"),
    el("h3", {}, t("cost_report", { days: report.days })),
    daily(report.daily || []),
    el("div", { class: "bars", id: "costs" }, ...report.breakdown.map((m) => el("div", { class: "bar" },
      el("span", {}, `${m.kind} · ${m.provider}:${m.model}`),
      el("span", { class: "fill", style: `width:${Math.max(2, (100 * m.costUsd) / dearest)}%` }),
      el("span", {}, `$${m.costUsd.toFixed(4)} · ${m.calls}`)))),
    el("p", { class: "hint", id: "hit-rate" }, `${t("hit_rate")}: ${report.cacheStats.hitRate}`),
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
