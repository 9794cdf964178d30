// A page answering a form sent to an action-only address (a refused reply, an error page): the address bar shows
// the page the form was sent from (data-page-address), so that a reload or a bookmark opens that page instead of
// sending the form again or asking the action's address for a page (« Méthode non autorisée »). The text being
// written is not lost on a reload: draft.js keeps it.
(function () {
  "use strict";
  var address = document.body.getAttribute("data-page-address");
  if (address && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", address + window.location.hash);
  }
})();
