// mediashelf: the little the pages need beyond HTML. No build step, nothing loaded
// from elsewhere; every text from the server goes in through textContent.
"use strict";

function text(id, value) {
  const el = document.getElementById(id);
  if (el) el.textContent = value;
}

function number(n) {
  return Number(n || 0).toLocaleString("en-US");
}

function showSummary(job) {
  const box = document.getElementById("scan-summary");
  const table = document.getElementById("summary-table");
  text("scan-error", job.error || "");
  if (job.summary && table) {
    table.replaceChildren();
    const rows = Object.entries(job.summary.counts);
    rows.push(["files", job.summary.files], ["seconds", job.summary.seconds.total]);
    for (const [key, value] of rows) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      const td = document.createElement("td");
      th.textContent = key;
      td.textContent = typeof value === "number" && key !== "seconds" ? number(value) : String(value);
      tr.append(th, td);
      table.append(tr);
    }
  }
  if (box) box.hidden = false;
  const stop = document.getElementById("stop-form");
  if (stop) stop.remove();
}

function update(job) {
  text("scan-state", job.state);
  text("scan-done", number(job.done));
  text("scan-found", number(job.found));
  text("scan-rate", number(Math.round(job.files_per_second)));
  text("scan-eta", job.eta_seconds == null ? "–" : String(Math.round(job.eta_seconds)));
  const bar = document.getElementById("scan-bar");
  if (bar) {
    bar.max = Math.max(job.found, 1);
    bar.value = job.done;
  }
  const section = document.getElementById("scan");
  if (section) section.dataset.state = job.state;
}

function followScan() {
  const section = document.getElementById("scan");
  if (!section || section.dataset.state !== "running") return;
  const source = new EventSource(`/api/scans/${encodeURIComponent(section.dataset.id)}/events`);
  source.addEventListener("progress", (e) => update(JSON.parse(e.data)));
  source.addEventListener("summary", (e) => {
    const job = JSON.parse(e.data);
    update(job);
    showSummary(job);
    source.close();
  });
  source.onerror = () => {
    if (section.dataset.state !== "running") source.close();
  };
}

function selectAll() {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    for (const box of document.querySelectorAll("input.pick")) box.checked = all.checked;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  followScan();
  selectAll();
});
