// A form sent back with errors: put the focus on the first field in error, so that keyboard users start there
// and screen readers read its label and its message (aria-describedby) instead of starting from the page's top.
// A refusal without a field in error (a flashed error after a redirect) gets the focus itself, so it is read too.
(function () {
  "use strict";
  var first = document.querySelector("main [aria-invalid=true]") || document.querySelector("main .flash-error");
  if (first) { first.focus(); }
})();
