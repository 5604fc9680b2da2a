// The account picker (templates/meetings/_account_picker.html) on every form that asks for an
// account: log meeting, file note, new contact, new opportunity. Loaded after meetings.js where
// both are, so the contacts follow an account this script picks.
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
  async function savedTerritory() {
    if (territory) return territory;
    try {
      const response = await fetch(search.getAttribute('data-offline-list'),
        { credentials: 'same-origin', headers: { Accept: 'application/json, text/html;q=0.1' } });
      const index = response.ok ? await response.json() : { rows: [] };
      territory = (index.rows || []).map(row => ({
        id: String(row[0]),
        name: row[1] || '',
        city: row[2] || ''
      }));
      return territory;
    } catch (error) {
      return [];
    }
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

  async function searchSaved() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = await savedTerritory();
    const found = rows.filter(row => {
      const text = (row.name + ' ' + row.city).toLowerCase();
      return words.length && words.every(w => text.indexOf(w) >= 0);
    });
    show(found, found.length ? 'Saved on this phone, matching “' + search.value.trim() + '”'
      : (words.length ? 'No saved account matches “' + search.value.trim() + '”'
        : 'Type a few letters of the name'));
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
  // The account the page was opened for, from the saved territory when the form did not offer it.
  async function offerWanted() {
    const rows = await savedTerritory();
    const row = rows.filter(r => r.id === wanted)[0];
    // Gone meanwhile: the account's saved page fixed the account (briefcase.js).
    if (!row || !document.getElementById('account-choices')) return;
    show([row], 'Chosen on the account page', wanted);
    choose(document.querySelector('#account-choices input:checked'));
  }
  if (wanted && !document.querySelector('#account-choices input:checked')) {
    const offered = document.querySelector('#account-choices input[value="' + CSS.escape(wanted) + '"]');
    if (offered) {
      choose(offered);
    } else {
      offerWanted();
    }
  }
})();
