// Progressive enhancement: refresh the suggested resources while the member types.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  var panel = document.getElementById("suggestions");
  if (!form || !panel || !window.fetch) { return; }
  var subject = form.querySelector("[name=subject]");
  var body = form.querySelector("[name=body]");
  var timer = null;
  var last = "";
  function refresh() {
    var text = subject.value + " " + body.value;
    if (text.trim().split(/\s+/).length < 2 || text === last) { return; }
    last = text;
    var url = form.dataset.suggestUrl + "?subject=" + encodeURIComponent(subject.value) +
      "&body=" + encodeURIComponent(body.value.slice(0, 2000));
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (html) { panel.innerHTML = html; } })
      .catch(function () { /* suggestions are optional */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 500); }
  subject.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
  // A form shown again (refused, restored draft, back button) already holds text: suggest for it at once.
  window.addEventListener("pageshow", schedule);
}());
