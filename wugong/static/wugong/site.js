// Small behaviours of the site's own pages. No inline handlers: the CSP allows scripts from
// /static/ only, so every page behaviour is a delegated listener here.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    // <select data-autosubmit>: choosing an option sends its form (a filter, a period).
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
      return;
    }
    // Approval ballots: <div class="pick" data-max="k" data-full="…"> holds at most k ticks.
    var pick = el.closest && el.closest(".pick[data-max]");
    if (pick && el.type === "checkbox" && el.checked) {
      var ticked = pick.querySelectorAll("input[type=checkbox]:checked").length;
      if (ticked > Number(pick.dataset.max)) {
        el.checked = false;
        if (pick.dataset.full) window.alert(pick.dataset.full);
      }
    }
  });
})();
