/* Shebao pages: off-canvas menu, 长辈模式 and confirmations before decisive actions.
 * A static file (no inline script, so a strict Content-Security-Policy can forbid inline code).
 * Loaded in <head> without `defer`: 长辈模式 is applied before the first paint, the rest once the DOM is ready. */
(function () {
  "use strict";
  var ELDER_KEY = "shebao-elder";
  var root = document.documentElement;

  function elderAllowed() {
    return root.hasAttribute("data-sb-elder");
  }
  function storedElder() {
    try {
      return window.localStorage.getItem(ELDER_KEY) === "1";
    } catch (e) {
      return false;
    }
  }
  if (elderAllowed() && storedElder()) {
    root.classList.add("sb-elder");
  }

  function setElder(on) {
    root.classList.toggle("sb-elder", on);
    try {
      window.localStorage.setItem(ELDER_KEY, on ? "1" : "0");
    } catch (e) {
      /* storage refused (private mode): the switch still works for this page */
    }
    document.querySelectorAll("[data-sb-elder-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "标准模式" : "长辈模式";
    });
  }

  function setupElder() {
    var buttons = document.querySelectorAll("[data-sb-elder-toggle]");
    if (!buttons.length) return;
    setElder(root.classList.contains("sb-elder"));
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        setElder(!root.classList.contains("sb-elder"));
      });
    });
  }

  function setupMenu() {
    var button = document.getElementById("sb-menu-btn");
    var menu = document.getElementById("sb-menu");
    var backdrop = document.getElementById("sb-backdrop");
    if (!button || !menu) return;
    var close = menu.querySelector("[data-sb-menu-close]");

    function setOpen(open) {
      menu.classList.toggle("open", open);
      if (backdrop) backdrop.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        (close || menu).focus();
      }
    }
    button.addEventListener("click", function () {
      setOpen(!menu.classList.contains("open"));
    });
    if (close) {
      close.addEventListener("click", function () {
        setOpen(false);
        button.focus();
      });
    }
    if (backdrop) {
      backdrop.addEventListener("click", function () {
        setOpen(false);
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        setOpen(false);
        button.focus();
      }
    });
  }

  /* <form data-confirm="…" data-confirm-ok="…">: ask in a native <dialog> before the form is sent. */
  function setupConfirm() {
    var dialog = document.getElementById("sb-confirm");
    if (!dialog || typeof dialog.showModal !== "function") return;
    var message = dialog.querySelector("[data-sb-confirm-message]");
    var ok = dialog.querySelector("[data-sb-confirm-ok]");
    var cancel = dialog.querySelector("[data-sb-confirm-cancel]");
    var pending = null;

    document.addEventListener(
      "submit",
      function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
        if (form.dataset.confirmed === "1") {
          delete form.dataset.confirmed;
          return;
        }
        event.preventDefault();
        pending = { form: form, submitter: event.submitter || null };
        message.textContent = form.getAttribute("data-confirm");
        ok.textContent = form.getAttribute("data-confirm-ok") || "确定";
        ok.className = "btn " + (form.getAttribute("data-confirm-class") || "btn-primary");
        dialog.showModal();
        cancel.focus();
      },
      true
    );
    ok.addEventListener("click", function () {
      var target = pending;
      pending = null;
      dialog.close();
      if (!target) return;
      target.form.dataset.confirmed = "1";
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit(target.submitter || undefined);
      } else {
        target.form.submit();
      }
    });
    cancel.addEventListener("click", function () {
      pending = null;
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      pending = null;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupElder();
    setupMenu();
    setupConfirm();
  });
})();
