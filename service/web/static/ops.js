// /ops keeps itself current: every 30 s the flags and charts are fetched again and swapped in
// place (same origin, no inline script: the page's content security policy holds). The page
// works without this file; it only saves a reload.
(function () {
  "use strict";
  const EVERY_MS = 30000;

  function refresh() {
    const live = document.getElementById("ops-live");
    if (!live || document.hidden) return;
    const url = "/ops/live?window=" + encodeURIComponent(live.dataset.window || "hour");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const next = new DOMParser().parseFromString(html, "text/html").getElementById("ops-live");
        if (next) live.replaceWith(next);
      })
      .catch(() => { /* the next round tries again; the page stays as it was */ });
  }

  setInterval(refresh, EVERY_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
