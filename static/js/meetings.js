// Log meeting: "when" defaults to the moment the form was rendered. A form opened later from
// the offline cache would carry a stale time, so move an untouched default forward by the time
// elapsed since rendering (plain arithmetic on the wall time: no time-zone guessing).
(() => {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function refresh() {
    const input = document.querySelector("input[data-now]");
    if (!input || input.value !== input.defaultValue) return;
    const rendered = Number(input.getAttribute("data-now"));
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(input.defaultValue);
    const elapsed = Date.now() - rendered;
    if (!m || !rendered || elapsed < 120000) return;
    const t = new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) + elapsed);
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
(() => {
  if (!document.getElementById('account-choices') || !window.htmx) return;

  function picker() { return document.querySelector('[data-contacts-picker]'); }
  function region() { return document.getElementById('meeting-contacts'); }
  function chosen() {
    const box = picker();
    return box ? box.querySelector('input[name="account_id"]:checked') : null;
  }
  function chosenValue() { const c = chosen(); return c ? c.value : ''; }
  function accountName() {
    const c = chosen();
    return c && c.parentNode ? c.parentNode.textContent.trim() : '';
  }
  function fromPicker(event) {
    return event.target && event.target.matches && event.target.matches('[data-contacts-picker]');
  }

  // Replace the contacts block with a line of text (never the rest of the form).
  function say(text) {
    const box = region();
    if (!box) return;
    box.setAttribute('data-contacts-for', chosenValue());
    box.replaceChildren();
    if (!text) return;
    const line = document.createElement('p');
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

  document.addEventListener('htmx:configRequest', event => {
    // Nothing chosen: nobody to list, nothing to fetch.
    if (fromPicker(event) && !chosenValue()) { event.preventDefault(); say(''); }
  });
  document.addEventListener('htmx:beforeRequest', event => {
    // The previous account's people must not be sent with this one.
    if (fromPicker(event)) say('Loading the people at ' + accountName() + '…');
  });
  // Any answer but the fragment (401, 403 with a redirect, 404, 5xx) is shown as "not loaded",
  // never followed: following a redirect would leave the page and lose what was typed.
  document.addEventListener('htmx:beforeOnLoad', event => {
    if (fromPicker(event) && event.detail.xhr.status !== 200) {
      event.preventDefault();
      unavailable();
    }
  });
  document.addEventListener('htmx:sendError', event => { if (fromPicker(event)) unavailable(); });
  document.addEventListener('htmx:timeout', event => { if (fromPicker(event)) unavailable(); });

  // The pending card names the account (form_capture.js reads the form's data-account-name).
  function nameTheForm() {
    const c = chosen();
    const form = c && c.form;
    if (form) form.setAttribute('data-account-name', accountName().split(' · ')[0]);
  }
  document.addEventListener('change', event => {
    if (event.target.name === 'account_id' && event.target.closest('#account-choices')) nameTheForm();
  });
  document.addEventListener('htmx:beforeRequest', event => { if (fromPicker(event)) nameTheForm(); });

  // A reload may restore the choice: load the contacts for what the picker shows.
  function catchUp() {
    const box = region();
    if (box && chosenValue() && box.getAttribute('data-contacts-for') !== chosenValue()) {
      window.htmx.trigger(picker(), 'change');
    }
  }
  document.addEventListener('DOMContentLoaded', () => { setTimeout(catchUp, 0); });
  window.addEventListener('pageshow', event => { if (event.persisted) catchUp(); });
})();

// Finding the account: online, htmx asks the server (GET /meetings/accounts, at most 20
// matches). Offline, or when that fails, the matches come from the territory index the
// briefcase saved; and a saved copy of the form opened as ".../meetings/new?account_id=N" (Log
// meeting on an account page, offline) offers that account, checked.
(() => {
  const search = document.querySelector('[data-account-search]');
  if (!search) return;
  let territory = null;  // [{id, name, city}] from the saved territory list, read once

  // The territory index the briefcase keeps (/accounts/index.json: the whole territory, not
  // the first page of the list). Accepting HTML too makes the worker answer from its copy.
  function savedTerritory() {
    if (territory) return Promise.resolve(territory);
    return fetch(search.getAttribute('data-offline-list'),
      { credentials: 'same-origin', headers: { Accept: 'application/json, text/html;q=0.1' } })
      .then(response => response.ok ? response.json() : { rows: [] })
      .then(index => {
        territory = (index.rows || []).map(row => ({
          id: String(row[0]),
          name: row[1] || '',
          city: row[2] || ''
        }));
        return territory;
      })
      .catch(() => []);
  }

  function label(row) { return row.city ? row.name + ' · ' + row.city : row.name; }

  // Draw the choices as the server would: the chosen account kept first, then the matches.
  function show(rows, legendText, checkId) {
    const box = document.getElementById('account-choices');
    if (!box) return;
    const keep = box.querySelector('input[name="account_id"]:checked');
    const keepId = checkId || (keep ? keep.value : '');
    const legend = document.createElement('legend');
    legend.textContent = legendText;
    const items = [legend];
    if (keep && keep.value !== checkId) items.push(keep.parentNode);
    rows.slice(0, 20).forEach(row => {
      if (keep && row.id === keep.value && !checkId) return;
      const item = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'radio'; input.name = 'account_id'; input.value = row.id; input.required = true;
      input.checked = row.id === keepId;
      const span = document.createElement('span');
      span.textContent = label(row);
      item.append(input, span);
      items.push(item);
    });
    box.replaceChildren.apply(box, items);
  }

  function searchSaved() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    savedTerritory().then(rows => {
      const found = rows.filter(row => {
        const text = (row.name + ' ' + row.city).toLowerCase();
        return words.length && words.every(w => text.indexOf(w) >= 0);
      });
      show(found, found.length ? 'Saved on this phone, matching “' + search.value.trim() + '”'
        : (words.length ? 'No saved account matches “' + search.value.trim() + '”'
          : 'Type a few letters of the name'));
    });
  }

  search.addEventListener('htmx:beforeOnLoad', event => {
    if (event.detail.xhr.status !== 200) { event.preventDefault(); searchSaved(); }
  });
  search.addEventListener('htmx:sendError', searchSaved);
  search.addEventListener('htmx:timeout', searchSaved);
  // Enter searches; it must not save a meeting without its account.
  search.addEventListener('keydown', event => {
    if (event.key === 'Enter') { event.preventDefault(); window.htmx && window.htmx.trigger(search, 'search'); }
  });

  const wanted = new URLSearchParams(location.search).get('account_id');
  function choose(input) {
    input.checked = true;
    if (window.htmx) window.htmx.trigger(document.getElementById('account-choices'), 'change');
  }
  if (wanted && !document.querySelector('#account-choices input:checked')) {
    const offered = document.querySelector('#account-choices input[value="' + CSS.escape(wanted) + '"]');
    if (offered) {
      choose(offered);
    } else {
      savedTerritory().then(rows => {
        const row = rows.filter(r => r.id === wanted)[0];
        if (!row) return;
        show([row], 'Chosen on the account page', wanted);
        choose(document.querySelector('#account-choices input:checked'));
      });
    }
  }
})();
