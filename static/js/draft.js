// Keep the text being written in a form marked data-draft-key (a reply, a new question) in localStorage,
// so that a reload, a crash or an expired session does not lose it.
// On submit the text is noted as sent, and the form tells the server that the draft is kept (draft_page:
// the page of the form, data-draft-page, to come back to after logging in again). The next page, wherever
// the form led, clears the draft if it shows a success message; any other page (a refusal, the login page
// after an expired session) keeps it. A logout in this browser forgets every draft (its login page carries
// data-clear-drafts). Loaded on every page, since any page may follow a form.
(function () {
  "use strict";
  var PREFIX = "helpdesk.draft.";
  var SENT = ".sent";
  var storage;
  try { storage = window.localStorage; storage.getItem(PREFIX); } catch (error) { return; }

  var succeeded = document.querySelector(".flash-success") !== null;
  // After a logout in this browser, nothing written here stays behind (a shared computer).
  var loggedOut = document.querySelector("[data-clear-drafts]") !== null;
  var sentKeys = [];
  var draftKeys = [];
  for (var index = 0; index < storage.length; index += 1) {
    var name = storage.key(index);
    if (name.indexOf(PREFIX) === 0) { draftKeys.push(name); }
    if (name.indexOf(PREFIX) === 0 && name.slice(-SENT.length) === SENT) { sentKeys.push(name); }
  }
  if (loggedOut) {
    draftKeys.forEach(function (draftKey) { storage.removeItem(draftKey); });
    return;
  }
  sentKeys.forEach(function (sentKey) {
    var key = sentKey.slice(0, -SENT.length);
    if (succeeded && storage.getItem(key) === storage.getItem(sentKey)) { storage.removeItem(key); }
    storage.removeItem(sentKey);
  });

  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-key]"), function (form) {
    var fields = form.querySelectorAll("textarea[name], input[type=text][name]");
    var status = form.querySelector("[data-draft-status]");
    var key = PREFIX + form.dataset.draftKey;

    function snapshot() {
      var values = {};
      var written = false;
      Array.prototype.forEach.call(fields, function (field) {
        values[field.name] = field.value;
        written = written || field.value.trim() !== "";
      });
      return written ? JSON.stringify(values) : null;
    }

    function save() {
      var text = snapshot();
      if (text === null) { storage.removeItem(key); } else { storage.setItem(key, text); }
      return text;
    }

    var saved;
    try { saved = JSON.parse(storage.getItem(key)); } catch (error) { saved = null; }
    if (saved !== null && typeof saved === "object") {
      var restored = false;
      Array.prototype.forEach.call(fields, function (field) {
        if (!field.value && saved[field.name]) {
          field.value = saved[field.name];
          restored = true;
        }
      });
      if (restored && status) { status.hidden = false; status.textContent = status.dataset.restored; }
    }
    // A page that came back with text in the form (a refused reply, a reply helper's insertion) keeps it too: its
    // address bar shows the question (page-address.js), whose reload must not bring back an older draft.
    if (snapshot() !== null) { save(); }

    var page = document.createElement("input");
    page.type = "hidden";
    page.name = "draft_page";
    page.value = form.dataset.draftPage;
    form.appendChild(page);

    form.addEventListener("input", save);
    form.addEventListener("submit", function () {
      var text = save();
      if (text !== null) { storage.setItem(key + SENT, text); }
    });
  });
}());
