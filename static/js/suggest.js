// Progressive enhancement: refresh the suggested resources while the member types.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  var panel = document.getElementById("suggestions");
  if (!form || !panel || !window.fetch) { return; }
  var subject = form.querySelector("[name=subject]");
  var body = form.querySelector("[name=body]");
  var token = form.querySelector("[name=csrf_token]");
  var timer = null;
  var last = "";
  function refresh() {
    var text = subject.value + " " + body.value;
    if (text.trim().split(/\s+/).length < 2 || text === last) { return; }
    last = text;
    // Posted, never in the address: the question's words must not end up in proxy or server logs.
    var data = new URLSearchParams();
    data.append("subject", subject.value);
    data.append("body", body.value.slice(0, 2000));
    if (token) { data.append("csrf_token", token.value); }
    fetch(form.dataset.suggestUrl, { method: "POST", body: data, credentials: "same-origin",
                                     headers: { "X-Requested-With": "fetch" } })
      // A session that expired meanwhile leads to the login page: that is no list of suggestions.
      .then(function (response) { return response.ok && !response.redirected ? response.text() : ""; })
      .then(function (html) { if (html) { panel.innerHTML = html; } })
      .catch(function () { /* suggestions are optional */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(refresh, 500); }
  subject.addEventListener("input", schedule);
  body.addEventListener("input", schedule);
  // A form shown again (refused, restored draft, back button) already holds text: suggest for it at once.
  window.addEventListener("pageshow", schedule);
}());
