// 활동내역's page poll (issue 17): while a row is 연계중, one request for the whole page asks whether
// anything changed since the page's version (204 when not; else the changed rows, swapped out of band).
// Backoff: every data-poll seconds (3) for 2 minutes after a 연계신청 (in any tab of this browser),
// then every 30 s until 30 minutes after it, then every 5 minutes. Nothing while the tab is hidden;
// one check as soon as it is visible again; nothing when no row is 연계중.
(function () {
  var FAST_FOR = 2 * 60 * 1000, MIDDLE = 30 * 1000, MIDDLE_FOR = 30 * 60 * 1000, SLOW = 5 * 60 * 1000;
  var PRESSED = "pumasi:linked-at";  // localStorage: when this browser last pressed 연계신청/재연계
  var loaded = Date.now(), timer = null, asking = false, focusedRow = null;

  function table() { return document.getElementById("activity-table"); }
  function linking() { var t = table(); return !!(t && t.querySelector("tr.state-linking")); }
  function visible() { return document.visibilityState !== "hidden"; }

  function pressedAt() {
    var stored = 0;
    try { stored = Number(window.localStorage.getItem(PRESSED)) || 0; } catch (e) { /* storage off */ }
    // A page opened without a press of this browser counts as one made two minutes before.
    return Math.max(stored, loaded - FAST_FOR);
  }

  function delay() {
    var t = table(), fast = 1000 * (Number(t && t.getAttribute("data-poll")) || 3);
    var age = Date.now() - pressedAt();
    return age < FAST_FOR ? fast : age < MIDDLE_FOR ? MIDDLE : SLOW;
  }

  function stop() { if (timer !== null) { clearTimeout(timer); timer = null; } }

  function schedule() {
    stop();
    if (visible() && linking() && !asking) timer = setTimeout(check, delay());
  }

  function query() {
    var t = table(), version = document.getElementById("page-version");
    var rows = [];
    t.querySelectorAll("tr[data-sig]").forEach(function (row) {
      rows.push(row.id.slice(2) + ":" + row.getAttribute("data-state") + ":" + row.getAttribute("data-sig"));
    });
    var url = t.getAttribute("data-changes");
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "v=" + encodeURIComponent(version ? version.getAttribute("data-version") : "") +
      "&rows=" + rows.join(",");
  }

  function check() {
    stop();
    var t = table();
    if (!t || !visible() || asking || !window.htmx) return;
    asking = true;
    window.htmx.ajax("GET", query(), { source: t, swap: "none" }).then(done, done);
  }

  function done() { asking = false; schedule(); }

  function pressed() {
    try { window.localStorage.setItem(PRESSED, String(Date.now())); } catch (e) { /* storage off */ }
  }

  document.addEventListener("visibilitychange", function () {
    if (!visible()) { stop(); return; }
    if (linking()) check();
  });
  // Another tab of this browser pressed 연계신청: look now (this page may show the row as 연계신청).
  window.addEventListener("storage", function (event) {
    if (event.key === PRESSED && table() && visible()) check();
  });
  // After the press is answered (committed): the fast regime here, and other tabs look at once.
  document.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail.requestConfig;
    if (event.detail.successful && config && config.verb === "post" && /\/(link|relink)$/.test(config.path)) {
      pressed();
      stop();
    }
  });
  // Keep the focus on the row whose control was swapped away (연계신청 → 연계중 → 연계완료). Noted when
  // the request leaves too: the pressed button is disabled while it waits, which drops its focus.
  function remember() {
    var active = document.activeElement, row = active && active.closest && active.closest("tr[id^='p-']");
    if (row) focusedRow = row.id;
  }
  function restore() {
    if (!focusedRow) return;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var row = document.getElementById(focusedRow);
    var control = row && row.querySelector("td.link button, td.link a");
    if (control) control.focus();
  }
  document.addEventListener("htmx:beforeRequest", remember);
  document.addEventListener("htmx:beforeSwap", remember);
  document.addEventListener("htmx:oobBeforeSwap", remember);
  document.addEventListener("htmx:afterSettle", function () {
    restore();
    focusedRow = null;
    if (timer === null) schedule();
  });
  document.addEventListener("DOMContentLoaded", schedule);
  if (document.readyState !== "loading") schedule();
})();
