// The reply's helper buttons post the message to the server, which inserts a resource link. Without this script
// the link goes at the end, before the closing formula if any; with it, the hidden field says where the cursor
// was when the jurist left the message to press a button (in characters, as the server counts them: an emoji is
// one), and the link goes there. The server sends the position back after a search or past an inserted link.
(function () {
  "use strict";
  document.querySelectorAll("input[data-cursor-for]").forEach(function (field) {
    var box = document.getElementById(field.getAttribute("data-cursor-for"));
    if (!box) { return; }
    box.addEventListener("blur", function () {
      field.value = String(Array.from(box.value.slice(0, box.selectionStart)).length);
    });
  });
}());
