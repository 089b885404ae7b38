// Optional comfort for the "i" popovers (the page works without it: they are <details>).
// Escape closes the open one that holds the focus (or the page's "Why this page looks this
// way") and returns focus to its summary, and with focus elsewhere closes the popovers only;
// a click elsewhere, or focus moving out of it (Tab past its last control), closes it;
// opening one closes the others, so no popover covers another block's "i".
(function () {
  "use strict";
  var OPEN = "details.omo-i[open]";
  var ANY_OPEN = OPEN + ", aside.omo-why-page details[open]";
  function closeAll(except) {
    document.querySelectorAll(OPEN).forEach(function (d) {
      if (d !== except) { d.open = false; }
    });
  }
  document.addEventListener("toggle", function (event) {
    var d = event.target;
    if (d instanceof HTMLDetailsElement && d.matches(OPEN)) { closeAll(d); }
  }, true);
  document.documentElement.classList.add("omo-js");  // the CSS lays popovers over the page
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var focused = document.activeElement;
    var here = focused instanceof Element ? focused.closest(ANY_OPEN) : null;
    if (!here) {  // focus is elsewhere (the site's own menu or dialog may want this key):
      closeAll(null);  // only popovers that cover the page close; focus and scroll stay
      return;
    }
    here.open = false;
    var summary = here.querySelector("summary");
    if (summary) { summary.focus(); }
  });
  document.addEventListener("focusout", function (event) {
    var left = event.target instanceof Element && event.target.closest("details.omo-i[open]");
    var into = event.relatedTarget instanceof Element ? event.relatedTarget : null;
    if (left && into && !left.contains(into)) { left.open = false; }  // (a click: below)
  });
  document.addEventListener("click", function (event) {
    var inside = event.target instanceof Element && event.target.closest("details.omo-i");
    closeAll(inside || null);
  });
})();
