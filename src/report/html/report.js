// report.html's script (src/report/html.rs inlines it): the verdict and suite filters, and
// the URL fragment (#verdict=FAIL,ERROR&suite=dmc12&open=CLAUSE). It holds no data: it reads
// the page, so nothing from a server's answers can break out of it.
(function () {
  "use strict";
  var nav = document.getElementById("filters");
  var boxes = Array.prototype.slice.call(nav.querySelectorAll("input[name=verdict]"));
  var suite = document.getElementById("suite-filter");
  function apply() {
    var on = {};
    boxes.forEach(function (b) { if (b.checked) on[b.value] = true; });
    document.querySelectorAll("section.suite").forEach(function (s) {
      s.hidden = suite.value !== "" && s.getAttribute("data-suite") !== suite.value;
    });
    document.querySelectorAll("tr.clause").forEach(function (tr) {
      tr.hidden = !tr.getAttribute("data-verdicts").split(" ").some(function (v) { return on[v]; });
    });
  }
  function fromFragment() {
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i < 0) return;
      var key = part.slice(0, i), value = decodeURIComponent(part.slice(i + 1));
      if (key === "verdict") {
        var wanted = value.split(",");
        boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
      } else if (key === "suite") {
        suite.value = value;
      } else if (key === "open") {
        document.querySelectorAll("details.clause-detail").forEach(function (d) {
          if (d.getAttribute("data-clause") === value) {
            d.open = true;
            d.setAttribute("data-opened", "fragment");
            d.scrollIntoView();
          }
        });
      }
    });
    apply();
  }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  suite.addEventListener("change", apply);
  window.addEventListener("hashchange", fromFragment);
  nav.hidden = false;
  fromFragment();
})();
