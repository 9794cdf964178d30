// A form that creates something (data-submit-once: a resource, a flash info, a canned answer, a webinar) is sent
// once: a second click while the first sending is on its way is ignored, and the button says so (aria-disabled).
// The server finds the entry already created anyway (a replayed post, no script); this only spares the wait.
// Coming back to the page from the browser's history makes the form usable again.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-submit-once")) { return; }
    if (form.hasAttribute("data-sending")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "");
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (form) {
      form.removeAttribute("data-sending");
      Array.prototype.forEach.call(form.querySelectorAll("button[aria-disabled]"), function (button) {
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
