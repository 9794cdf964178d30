// A form sent back with errors: put the focus on the first field in error, so that keyboard users start there
// and screen readers read its label and its message (aria-describedby) instead of starting from the page's top.
(function () {
  "use strict";
  var first = document.querySelector("main [aria-invalid=true]");
  if (first) { first.focus(); }
})();
