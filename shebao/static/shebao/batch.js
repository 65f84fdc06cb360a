/* 批处理批次页: refreshes the progress of a running batch from its API (/api/v1/batch-runs/<id>/) every few seconds.
 * A static file (the Content-Security-Policy forbids inline script); it stops polling once the run is done or failed. */
(function () {
  "use strict";
  var INTERVAL_MS = 3000;
  var FINISHED = { done: true, failed: true };
  var BADGES = { pending: "info", running: "primary", done: "success", failed: "danger" };

  function setText(root, name, value) {
    root.querySelectorAll('[data-batch-field="' + name + '"]').forEach(function (el) {
      el.textContent = value === null || value === undefined ? "" : String(value);
    });
  }

  function render(section, data) {
    var p = data.progress;
    var page = document;
    [
      "chunks_done",
      "chunks_total",
      "rows",
      "rows_per_second",
      "elapsed_text",
      "eta_text",
      "percent",
      "status_label",
      "started_at_text",
      "finished_at_text",
    ].forEach(function (name) {
      setText(page, name, p[name]);
    });
    var bar = page.getElementById("batch-progress-bar");
    if (bar) {
      bar.max = p.chunks_total || 1;
      bar.value = p.chunks_total ? p.chunks_done : p.status === "done" ? 1 : 0;
      bar.textContent = p.percent + "%";
    }
    page.querySelectorAll("[data-batch-badge]").forEach(function (badge) {
      badge.className = badge.className.replace(/text-bg-\w+/, "text-bg-" + (BADGES[p.status] || "secondary"));
    });
    var stalled = section.querySelector("[data-batch-stalled]");
    if (stalled) stalled.classList.toggle("d-none", !p.stalled);
    var error = section.querySelector("[data-batch-error]");
    if (error) {
      error.textContent = data.error || "";
      error.classList.toggle("d-none", !data.error);
    }
    section.setAttribute("data-status", p.status);
  }

  function poll(section) {
    var url = section.getAttribute("data-progress-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        render(section, data);
        if (!FINISHED[data.progress.status]) window.setTimeout(function () { poll(section); }, INTERVAL_MS);
      })
      .catch(function () {
        window.setTimeout(function () { poll(section); }, INTERVAL_MS * 3);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("batch-progress");
    if (!section || FINISHED[section.getAttribute("data-status")]) return;
    window.setTimeout(function () { poll(section); }, INTERVAL_MS);
  });
})();
