/*
 * Samverkan – small progressive enhancements. No dependencies, no inline code.
 * Nothing here submits forms automatically: keyboard and screen-reader users
 * always confirm with a button.
 */
(function () {
  "use strict";

  // Shown when an htmx request fails. Kept language-neutral (Swedish / English)
  // because this file is not translated; the page's own messages are.
  var ERROR_TEXT =
    "Något gick fel. Försök igen. / Something went wrong. Please try again.";

  function showHtmxError() {
    var box = document.getElementById("htmx-error");
    if (!box) {
      return;
    }
    box.textContent = "";
    // Re-insert on the next frame so screen readers announce repeated errors.
    window.requestAnimationFrame(function () {
      box.textContent = ERROR_TEXT;
    });
  }

  function clearHtmxError() {
    var box = document.getElementById("htmx-error");
    if (box && box.textContent) {
      box.textContent = "";
    }
  }

  document.addEventListener("htmx:responseError", showHtmxError);
  document.addEventListener("htmx:sendError", showHtmxError);
  document.addEventListener("htmx:beforeRequest", clearHtmxError);

  // Skip link: move keyboard focus into <main>, not only the scroll position.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.skip-link") : null;
    if (!link) {
      return;
    }
    var target = document.getElementById("main");
    if (!target) {
      return;
    }
    event.preventDefault();
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    target.scrollIntoView();
  });
})();
