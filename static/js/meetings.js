// Log meeting: "when" defaults to the moment the form was rendered. A form opened later from
// the offline cache would carry a stale time, so move an untouched default forward by the time
// elapsed since rendering (plain arithmetic on the wall time: no time-zone guessing).
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function refresh() {
    var input = document.querySelector("input[data-now]");
    if (!input || input.value !== input.defaultValue) return;
    var rendered = Number(input.getAttribute("data-now"));
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(input.defaultValue);
    var elapsed = Date.now() - rendered;
    if (!m || !rendered || elapsed < 120000) return;
    var t = new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) + elapsed);
    input.value = t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) +
      "T" + pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
  }
  document.addEventListener("DOMContentLoaded", refresh);
  window.addEventListener("pageshow", refresh);
})();
