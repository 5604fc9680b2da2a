// Import: while the import request runs (a few seconds for a big file), show that it is busy
// and keep the buttons from being pressed twice. The form works the same without this file.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-import]")) return;
    var busy = form.querySelector("[data-import-busy]");
    if (busy && event.submitter && event.submitter.value === "import") busy.hidden = false;
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
