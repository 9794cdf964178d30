// Progressive enhancement: a long select (the 600 structures of the account forms) gets a text box above it that
// narrows its options to those containing every typed word (case and accents aside), shown as an open list. Without
// this script the box stays hidden and the plain select works as before; the server checks the choice either way.
(function () {
  "use strict";
  function fold(text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  document.querySelectorAll("[data-filter-for]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input");
    var status = box.querySelector("[aria-live]");
    if (!select || !input || !status) { return; }
    var options = Array.from(select.options);
    var folded = options.map(function (option) { return fold(option.text); });
    box.hidden = false;
    function count(matches) {
      if (!matches) { return box.dataset.none; }
      return (matches === 1 ? box.dataset.one : box.dataset.many).replace("{n}", String(matches));
    }
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var matches = 0;
      var only = null;
      select.textContent = "";
      options.forEach(function (option, index) {
        var match = words.every(function (word) { return folded[index].indexOf(word) !== -1; });
        if (match && option.value !== "0") { matches += 1; only = option; }
        // The chosen option stays, so that filtering never changes the choice behind the admin's back.
        if (!words.length || match || option.value === chosen) { select.appendChild(option); }
      });
      if (words.length && matches === 1) { only.selected = true; }
      else { select.value = chosen; }
      if (words.length) { select.size = Math.min(Math.max(select.options.length, 2), 8); }
      else { select.removeAttribute("size"); }
      status.textContent = words.length ? count(matches) : "";
    }
    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      // Enter or the down arrow goes to the narrowed list instead of sending the form half filled.
      if (event.key === "Enter" || event.key === "ArrowDown") { event.preventDefault(); select.focus(); }
    });
    if (input.value) { apply(); }
  });
}());
