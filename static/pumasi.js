// Modal dialogs: open what htmx swapped into #modal (focus moves in, Esc closes), clear on close.
(function () {
  function container() { return document.getElementById("modal"); }

  function openDialogs() {
    var box = container();
    if (!box) return;
    box.querySelectorAll("dialog:not([open])").forEach(function (dialog) {
      dialog.addEventListener("close", function () {
        if (dialog.parentNode === box) box.innerHTML = "";
      });
      dialog.showModal();
    });
  }

  function closeAll() {
    var box = container();
    if (!box) return;
    box.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
    box.innerHTML = "";
  }

  document.addEventListener("htmx:afterSettle", openDialogs);
  document.addEventListener("modal-close", closeAll);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
    var button = event.target.closest("[data-close]");
    if (button) {
      var dialog = button.closest("dialog");
      if (dialog) dialog.close();
    }
  });
})();
