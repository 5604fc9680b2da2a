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

// Who was there: the contacts follow the account picked (a radio in #account-choices). htmx
// fetches the chosen account's contacts (GET /meetings/contacts, a fragment) into
// #meeting-contacts; only that block is swapped, so the notes and everything else typed stay as
// they are. When the fragment cannot come (offline without a saved copy, signed out, an account
// no longer the rep's), the old account's people go and the form says contacts can be added
// later: it stays usable. The choices are swapped by the search, so listeners are delegated.
(function () {
  if (!document.getElementById('account-choices') || !window.htmx) return;

  function picker() { return document.querySelector('[data-contacts-picker]'); }
  function region() { return document.getElementById('meeting-contacts'); }
  function chosen() {
    var box = picker();
    return box ? box.querySelector('input[name="account_id"]:checked') : null;
  }
  function chosenValue() { var c = chosen(); return c ? c.value : ''; }
  function accountName() {
    var c = chosen();
    return c && c.parentNode ? c.parentNode.textContent.trim() : '';
  }
  function fromPicker(event) {
    return event.target && event.target.matches && event.target.matches('[data-contacts-picker]');
  }

  // Replace the contacts block with a line of text (never the rest of the form).
  function say(text) {
    var box = region();
    if (!box) return;
    box.setAttribute('data-contacts-for', chosenValue());
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
      (navigator.onLine ? '' : ' offline') + '. Type who was there under "More": contacts ' +
      'can be added later.');
  }

  document.addEventListener('htmx:configRequest', function (event) {
    // Nothing chosen: nobody to list, nothing to fetch.
    if (fromPicker(event) && !chosenValue()) { event.preventDefault(); say(''); }
  });
  document.addEventListener('htmx:beforeRequest', function (event) {
    // The previous account's people must not be sent with this one.
    if (fromPicker(event)) say('Loading the people at ' + accountName() + '…');
  });
  // Any answer but the fragment (401, 403 with a redirect, 404, 5xx) is shown as "not loaded",
  // never followed: following a redirect would leave the page and lose what was typed.
  document.addEventListener('htmx:beforeOnLoad', function (event) {
    if (fromPicker(event) && event.detail.xhr.status !== 200) {
      event.preventDefault();
      unavailable();
    }
  });
  document.addEventListener('htmx:sendError', function (event) { if (fromPicker(event)) unavailable(); });
  document.addEventListener('htmx:timeout', function (event) { if (fromPicker(event)) unavailable(); });

  // The pending card names the account (app.js reads the form's data-account-name).
  function nameTheForm() {
    var c = chosen();
    var form = c && c.form;
    if (form) form.setAttribute('data-account-name', accountName().split(' · ')[0]);
  }
  document.addEventListener('change', function (event) {
    if (event.target.name === 'account_id' && event.target.closest('#account-choices')) nameTheForm();
  });
  document.addEventListener('htmx:beforeRequest', function (event) { if (fromPicker(event)) nameTheForm(); });

  // A reload may restore the choice: load the contacts for what the picker shows.
  function catchUp() {
    var box = region();
    if (box && chosenValue() && box.getAttribute('data-contacts-for') !== chosenValue()) {
      window.htmx.trigger(picker(), 'change');
    }
  }
  document.addEventListener('DOMContentLoaded', function () { setTimeout(catchUp, 0); });
  window.addEventListener('pageshow', function (event) { if (event.persisted) catchUp(); });
})();

// Finding the account: online, htmx asks the server (GET /meetings/accounts, at most 20
// matches). Offline, or when that fails, the matches come from the territory index the
// briefcase saved; and a saved copy of the form opened as ".../meetings/new?account_id=N" (Log
// meeting on an account page, offline) offers that account, checked.
(function () {
  var search = document.querySelector('[data-account-search]');
  if (!search) return;
  var territory = null;  // [{id, name, city}] from the saved territory list, read once

  // The territory index the briefcase keeps (/accounts/index.json: the whole territory, not
  // the first page of the list). Accepting HTML too makes the worker answer from its copy.
  function savedTerritory() {
    if (territory) return Promise.resolve(territory);
    return fetch(search.getAttribute('data-offline-list'),
      { credentials: 'same-origin', headers: { Accept: 'application/json, text/html;q=0.1' } })
      .then(function (response) { return response.ok ? response.json() : { rows: [] }; })
      .then(function (index) {
        territory = (index.rows || []).map(function (row) {
          return { id: String(row[0]), name: row[1] || '', city: row[2] || '' };
        });
        return territory;
      })
      .catch(function () { return []; });
  }

  function label(row) { return row.city ? row.name + ' · ' + row.city : row.name; }

  // Draw the choices as the server would: the chosen account kept first, then the matches.
  function show(rows, legendText, checkId) {
    var box = document.getElementById('account-choices');
    if (!box) return;
    var keep = box.querySelector('input[name="account_id"]:checked');
    var keepId = checkId || (keep ? keep.value : '');
    var legend = document.createElement('legend');
    legend.textContent = legendText;
    var items = [legend];
    if (keep && keep.value !== checkId) items.push(keep.parentNode);
    rows.slice(0, 20).forEach(function (row) {
      if (keep && row.id === keep.value && !checkId) return;
      var item = document.createElement('label');
      var input = document.createElement('input');
      input.type = 'radio'; input.name = 'account_id'; input.value = row.id; input.required = true;
      input.checked = row.id === keepId;
      var span = document.createElement('span');
      span.textContent = label(row);
      item.append(input, span);
      items.push(item);
    });
    box.replaceChildren.apply(box, items);
  }

  function searchSaved() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    savedTerritory().then(function (rows) {
      var found = rows.filter(function (row) {
        var text = (row.name + ' ' + row.city).toLowerCase();
        return words.length && words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      show(found, found.length ? 'Saved on this phone, matching “' + search.value.trim() + '”'
        : (words.length ? 'No saved account matches “' + search.value.trim() + '”'
          : 'Type a few letters of the name'));
    });
  }

  search.addEventListener('htmx:beforeOnLoad', function (event) {
    if (event.detail.xhr.status !== 200) { event.preventDefault(); searchSaved(); }
  });
  search.addEventListener('htmx:sendError', searchSaved);
  search.addEventListener('htmx:timeout', searchSaved);
  // Enter searches; it must not save a meeting without its account.
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') { event.preventDefault(); window.htmx && window.htmx.trigger(search, 'search'); }
  });

  var wanted = new URLSearchParams(location.search).get('account_id');
  function choose(input) {
    input.checked = true;
    if (window.htmx) window.htmx.trigger(document.getElementById('account-choices'), 'change');
  }
  if (wanted && !document.querySelector('#account-choices input:checked')) {
    var offered = document.querySelector('#account-choices input[value="' + CSS.escape(wanted) + '"]');
    if (offered) {
      choose(offered);
    } else {
      savedTerritory().then(function (rows) {
        var row = rows.filter(function (r) { return r.id === wanted; })[0];
        if (!row) return;
        show([row], 'Chosen on the account page', wanted);
        choose(document.querySelector('#account-choices input:checked'));
      });
    }
  }
})();
