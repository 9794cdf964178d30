// Jurists' keyboard shortcuts (documented in the "Raccourcis clavier" panel of the page).
// Queue: j / k = next / previous question, Enter = open it. Question: p = take it, r = write the reply.
// "?" moves to the help. Keys are ignored while typing in a field or with a modifier, and can be switched off
// (WCAG 2.1.4): the choice is kept in localStorage.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts-help");
  var toggle = document.getElementById("shortcuts-toggle");
  if (!help) { return; }
  help.hidden = false;  // the keys work: say so (without JavaScript the help stays hidden)
  var STORAGE_KEY = "helpdesk.shortcuts";

  function enabled() {
    try { return window.localStorage.getItem(STORAGE_KEY) !== "off"; } catch (error) { return true; }
  }
  function showToggleLabel() {
    toggle.textContent = enabled() ? toggle.dataset.labelOn : toggle.dataset.labelOff;
  }
  if (toggle) {
    toggle.hidden = false;
    showToggleLabel();
    toggle.addEventListener("click", function () {
      try { window.localStorage.setItem(STORAGE_KEY, enabled() ? "off" : "on"); } catch (error) { return; }
      showToggleLabel();
    });
  }

  function typing(target) {
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function queueLinks() {
    // The first link of each row is the question's reference.
    return Array.prototype.map.call(document.querySelectorAll("table.queue tbody tr"), function (row) {
      return row.querySelector("a[href]");
    }).filter(Boolean);
  }

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) { return false; }
    var current = links.indexOf(document.activeElement);
    var next = current === -1 ? (step > 0 ? 0 : links.length - 1) : Math.min(Math.max(current + step, 0), links.length - 1);
    links.forEach(function (link) { link.closest("tr").classList.remove("is-selected"); });
    links[next].closest("tr").classList.add("is-selected");
    links[next].focus();
    return true;
  }

  var actions = {
    "j": function () { return moveInQueue(1); },
    "k": function () { return moveInQueue(-1); },
    "p": function () {
      var claim = document.querySelector("[data-shortcut=claim]");
      if (!claim) { return false; }
      claim.click();
      return true;
    },
    "r": function () {
      var reply = document.querySelector("[data-shortcut=reply] textarea");
      if (!reply) { return false; }
      reply.focus();
      return true;
    },
    "?": function () {
      var title = document.getElementById("shortcuts-title");
      title.scrollIntoView();
      title.focus();
      return true;
    }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key !== "?" && !enabled()) { return; }
    var action = actions[event.key];
    if (action && action()) { event.preventDefault(); }
  });
}());
