// File inputs carrying the upload limits (data-max-files, data-max-file-bytes, data-max-total-bytes and the
// refusals in the page's language): files chosen beyond a limit are taken back at once (all of them), with the
// reason under the field and a word saying that no file is attached now. Without this the browser would send them,
// the server would refuse the whole sending, and the text typed in the form would be lost. The server checks every
// limit again.
(function () {
  "use strict";

  function refusals(input) {
    var files = Array.prototype.slice.call(input.files || []);
    var found = [];
    var total = 0;
    if (files.length > Number(input.dataset.maxFiles)) { found.push(input.dataset.tooMany); }
    files.forEach(function (file) {
      total += file.size;
      if (file.size > Number(input.dataset.maxFileBytes)) {
        found.push(input.dataset.fileTooLarge.replace("{name}", file.name));
      }
    });
    if (!found.length && total > Number(input.dataset.maxTotalBytes)) { found.push(input.dataset.totalTooLarge); }
    return found;
  }

  function show(input, messages) {
    var id = input.id + "-limits-error";
    var box = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (token) {
      return token && token !== id;
    });
    if (!messages.length) {
      if (box) { box.remove(); }
      input.removeAttribute("aria-invalid");
    } else {
      if (!box) {
        box = document.createElement("p");
        box.className = "error";
        box.id = id;
        box.setAttribute("role", "alert");
        input.parentNode.appendChild(box);
      }
      box.textContent = messages.concat(input.dataset.noneAttached).join(" ");
      input.setAttribute("aria-invalid", "true");
      described.push(id);
    }
    if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); }
    else { input.removeAttribute("aria-describedby"); }
  }

  document.querySelectorAll("input[type=file][data-max-file-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var messages = refusals(input);
      if (messages.length) { input.value = ""; }
      show(input, messages);
    });
  });
})();
