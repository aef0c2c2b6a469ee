// Keyboard use of the moderation queue: j/k move, a/r/s decide, x select, u undo, ? help.
// The page works without this file; it only presses the buttons the page already has.
(function () {
  "use strict";
  const STORE = "sieve.moderate.position";
  const comments = () => Array.from(document.querySelectorAll("li.comment"));
  let index = 0;

  function focus(i) {
    const list = comments();
    if (!list.length) return;
    index = Math.max(0, Math.min(i, list.length - 1));
    list.forEach((el, n) => el.classList.toggle("current", n === index));
    list[index].focus({ preventScroll: true });
    list[index].scrollIntoView({ block: "nearest" });
  }

  function press(selector) {
    const current = comments()[index];
    const button = current && current.querySelector(selector);
    if (!button) return;
    // After the page reloads, the next comment takes this one's place.
    sessionStorage.setItem(STORE, JSON.stringify({ path: location.pathname + location.search, index }));
    button.click();
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, select, textarea")) return;
    const help = document.getElementById("help");
    switch (event.key) {
      case "j": focus(index + 1); break;
      case "k": focus(index - 1); break;
      case "a": press('button[data-action="approve"]'); break;
      case "r": press('button[data-action="reject"]'); break;
      case "s": press('button[data-action="spam"]'); break;
      case "x": {
        const box = comments()[index] && comments()[index].querySelector('input[type="checkbox"]');
        if (box) box.checked = !box.checked;
        break;
      }
      case "u": {
        const undo = document.querySelector("button[data-undo]");
        if (undo) undo.click();
        break;
      }
      case "?": if (help && !help.open) help.showModal(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const all = document.querySelector("[data-select-all]");
    if (all) all.addEventListener("change", () => {
      comments().forEach((el) => { el.querySelector('input[type="checkbox"]').checked = all.checked; });
    });
    const helpButton = document.querySelector("[data-help]");
    const help = document.getElementById("help");
    if (helpButton && help) helpButton.addEventListener("click", () => help.showModal());
    let start = 0;
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
      if (saved && saved.path === location.pathname + location.search) start = saved.index;
    } catch (e) { /* a damaged entry only costs the position */ }
    sessionStorage.removeItem(STORE);
    const hash = location.hash && document.querySelector(location.hash);
    if (hash) start = comments().indexOf(hash);
    focus(start);
  });
})();
