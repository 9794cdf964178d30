// Keep the reply being written in localStorage, so a reload or a crash does not lose it.
// The draft is cleared once the server confirms the message was sent (success message on the next page).
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-key]");
  if (!form) { return; }
  var textarea = form.querySelector("textarea");
  var status = form.querySelector("[data-draft-status]");
  var key = "helpdesk.draft." + form.dataset.draftKey;
  var sentKey = key + ".sent";
  var storage;
  try { storage = window.localStorage; storage.getItem(key); } catch (error) { return; }

  var sentText = storage.getItem(sentKey);
  storage.removeItem(sentKey);
  if (sentText !== null && document.querySelector(".flash-success") && storage.getItem(key) === sentText) {
    storage.removeItem(key);
  }
  var saved = storage.getItem(key);
  if (saved && !textarea.value) {
    textarea.value = saved;
    if (status) { status.hidden = false; status.textContent = "Brouillon restauré : il n'a pas encore été envoyé."; }
  }
  textarea.addEventListener("input", function () {
    if (textarea.value.trim()) { storage.setItem(key, textarea.value); } else { storage.removeItem(key); }
  });
  form.addEventListener("submit", function () { storage.setItem(sentKey, textarea.value); });
}());
