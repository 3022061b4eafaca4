// Modal dialogs: open what htmx swapped into #modal (focus moves in, Esc closes), clear on close.
(function () {
  function container() { return document.getElementById("modal"); }

  // Where the focus goes back when a dialog closes: the control that asked for it. Its button was
  // disabled during the request (hx-disabled-elt) or its row swapped since, so showModal() alone
  // would hand the focus back to <body>; a control no longer in the page is found again by its row.
  var opener = null;

  function remember(element) {
    var box = container();
    if (!box || box.contains(element)) return;  // a dialog's own request: keep the first opener
    var active = document.activeElement;
    var control = active && active !== document.body && !box.contains(active) ? active : element;
    var holder = control.closest("[id]");
    opener = {control: control, holder: holder && holder.id};
  }

  function giveFocusBack() {
    var was = opener;
    opener = null;
    if (!was) return;
    var control = was.control;
    if (!document.contains(control) || control.disabled) {
      var holder = was.holder && document.getElementById(was.holder);
      control = holder && (holder.querySelector(".state") ||
                           holder.querySelector("button:not([disabled]), a[href], input:not([type=hidden])"));
    }
    if (control && control.focus) control.focus();
  }

  function openDialogs() {
    var box = container();
    if (!box) return;
    box.querySelectorAll("dialog:not([open])").forEach(function (dialog) {
      dialog.addEventListener("close", function () {
        if (dialog.parentNode === box) {
          box.innerHTML = "";
          giveFocusBack();
        }
      });
      dialog.showModal();
    });
  }

  function closeAll() {
    var box = container();
    if (!box) return;
    box.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
    box.innerHTML = "";
    setTimeout(giveFocusBack, 0);  // after the swap the same answer brings (the row it changed)
  }

  // A whole 주민등록번호 pasted into the first box goes into both boxes (the first holds only 6).
  document.addEventListener("paste", function (event) {
    var front = event.target instanceof Element && event.target.closest('input[name="rrn_front"]');
    var back = front && front.form && front.form.querySelector('input[name="rrn_back"]');
    if (!back || !event.clipboardData) return;
    // Full-width digits (a Korean IME's 전각) read as digits, any dash as the hyphen (identity.rrn too).
    var digits = event.clipboardData.getData("text")
      .replace(/[\uff10-\uff19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/[\s\-\u2010-\u2015\u2212\uff0d]/g, "");
    if (!/^[0-9]{13}$/.test(digits)) return;
    event.preventDefault();
    front.value = digits.slice(0, 6);
    back.value = digits.slice(6);
    back.focus();
  });

  document.addEventListener("htmx:afterSettle", openDialogs);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && (target.id === "modal" || target.closest("tr[id]"))) remember(event.detail.elt);
  });
  // A list that refreshes itself waits while the operator has something checked in it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element.hasAttribute("data-pause-when-checked") &&
        element.querySelector("input[type=checkbox]:checked")) {
      event.preventDefault();
    }
  });
  document.addEventListener("modal-close", closeAll);
  document.addEventListener("click", function (event) {
    var certificate = event.target.closest("[data-certificate]");
    if (certificate) {
      // 확인서 출력: the checked rows posted as a plain form (its CSRF token in the body), answered
      // by the PDF download; htmx, which handles that form, would fetch the PDF into the page.
      event.preventDefault();
      var form = certificate.form;
      var chosen = Array.prototype.some.call(form.elements, function (box) {
        return box.name === "participation_ids" && box.checked;
      });
      if (!chosen && window.htmx) {  // nothing to issue: the server's answer said in a dialog, in place
        htmx.ajax("POST", certificate.getAttribute("formaction"), {source: form, target: "#modal", swap: "innerHTML"});
        return;
      }
      var action = form.getAttribute("action");
      form.setAttribute("action", certificate.getAttribute("formaction"));
      form.submit();
      form.setAttribute("action", action);
    }
    var button = event.target.closest("[data-close]");
    if (button) {
      var dialog = button.closest("dialog");
      if (dialog) dialog.close();
    }
  });
})();
