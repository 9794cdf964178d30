// A search or filter form sent by GET (data-compact-query): its empty fields, and a menu left on its default choice
// (data-default), stay out of the address, so that it names only what was chosen (?vue=…&theme=3, not every field).
// Without the script the server brings such an address to the same short form.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-compact-query")) { return; }
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || control.disabled) { return; }
      var fallback = control.getAttribute("data-default");
      if (control.value === "" || (fallback !== null && control.value === fallback)) {
        control.disabled = true;
        // Enabled again once sent, so that the form coming back from the browser's history still works.
        window.setTimeout(function () { control.disabled = false; }, 0);
      }
    });
  });
})();
