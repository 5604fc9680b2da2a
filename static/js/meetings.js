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

// Who was there: the contacts follow the account picker. htmx fetches the chosen account's
// contacts (GET /meetings/contacts, a fragment) into #meeting-contacts; only that block is
// swapped, so the notes and everything else typed stay as they are. When the fragment cannot
// come (offline without a saved copy, signed out, an account no longer the rep's), the old
// account's people go and the form says contacts can be added later: it stays usable.
(function () {
  var picker = document.querySelector('select[data-contacts-picker]');
  if (!picker || !window.htmx) return;

  function region() { return document.getElementById('meeting-contacts'); }

  function accountName() {
    var option = picker.selectedOptions && picker.selectedOptions[0];
    return option && option.value ? option.textContent.trim() : '';
  }

  // Replace the contacts block with a line of text (never the rest of the form).
  function say(text) {
    var box = region();
    if (!box) return;
    box.setAttribute('data-contacts-for', picker.value);
    box.replaceChildren();
    if (!text) return;
    var line = document.createElement('p');
    line.className = 'hint';
    line.setAttribute('role', 'status');
    line.setAttribute('data-contacts-status', '');
    line.textContent = text;
    box.appendChild(line);
  }

  function unavailable() {
    say('The people at ' + (accountName() || 'this account') + ' could not be loaded' +
      (navigator.onLine ? '' : ' offline') + '. Type who was there below: contacts can be ' +
      'added later.');
  }

  picker.addEventListener('htmx:configRequest', function (event) {
    // "Choose…" again: nobody to list, nothing to fetch.
    if (!picker.value) { event.preventDefault(); say(''); }
  });
  picker.addEventListener('htmx:beforeRequest', function () {
    // The previous account's people must not be sent with this one.
    say('Loading the people at ' + accountName() + '…');
  });
  // Any answer but the fragment (401, 403 with a redirect, 404, 5xx) is shown as "not loaded",
  // never followed: following a redirect would leave the page and lose what was typed.
  picker.addEventListener('htmx:beforeOnLoad', function (event) {
    if (event.detail.xhr.status !== 200) { event.preventDefault(); unavailable(); }
  });
  picker.addEventListener('htmx:sendError', unavailable);
  picker.addEventListener('htmx:timeout', unavailable);

  // A saved copy of the form opened offline picks the account from the address (briefcase.js)
  // and a reload may restore the picker: load the contacts for what it shows.
  function catchUp() {
    var box = region();
    if (box && box.getAttribute('data-contacts-for') !== picker.value) {
      window.htmx.trigger(picker, 'change');
    }
  }
  document.addEventListener('DOMContentLoaded', function () { setTimeout(catchUp, 0); });
  window.addEventListener('pageshow', function (event) { if (event.persisted) catchUp(); });
})();
