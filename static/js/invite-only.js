// Progressive enhancement: on « Nouveau compte », the initial password serves only without an invitation. While
// « Envoyer une invitation » is ticked the password field is hidden; unticking it brings the field back. Without this
// script the field stays, labelled « (sans invitation) », and the server ignores it when the invitation is ticked.
(function () {
  "use strict";
  document.querySelectorAll("[data-without-invitation]").forEach(function (box) {
    var invite = document.getElementById(box.getAttribute("data-without-invitation"));
    if (!invite) { return; }
    function apply() { box.hidden = invite.checked; }
    invite.addEventListener("change", apply);
    apply();
  });
}());
