// Progressive enhancement: on the account forms the structure is for members only. While the role chosen is a
// jurist's or an admin's, the structure field is hidden and set to none (« — »); going back to member brings back the
// structure chosen before. Without this script the field stays, and the server refuses a structure given to staff.
(function () {
  "use strict";
  document.querySelectorAll("[data-member-only]").forEach(function (box) {
    var role = document.getElementById(box.getAttribute("data-member-only"));
    var select = box.querySelector("select");
    if (!role || !select) { return; }
    var kept = select.value;
    function apply() {
      var member = role.value === "member";
      if (!member && !box.hidden) { kept = select.value; select.value = "0"; }
      if (member && box.hidden) { select.value = kept; }
      box.hidden = !member;
    }
    role.addEventListener("change", apply);
    apply();
  });
}());
