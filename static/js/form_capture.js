/* A form marked data-outbox goes into the outbox, never straight to the server.
 *
 * A form's client id belongs to what the rep filled in: one id per form per page visit (kept in
 * the history entry), so the same form sent twice, or brought back by Back, is one write. Only
 * a form the page found valid (form_check.js) is queued; the write is described in the rep's
 * words, then sent at once when online, and the rep goes where the server would send them. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const {
    Outbox, user, SKIP_FIELDS, el, path, idIn, fieldLabel, validate, guardLengths, showInPlace,
  } = GW;

  const routes = GW.routes;
  const ONLINE_WAIT = 5000;

  // ---- capture -------------------------------------------------------------------------

  document.addEventListener('submit', event => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-outbox')) return;
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    // Before htmx or the browser: the outbox is the only way this write leaves the page.
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.getAttribute('aria-busy') === 'true') return; // a double tap is one write
    if (form.hasAttribute('data-outbox-saved')) { showSaved(form, true); return; }
    if (!validate(form)) return;
    queue(form, event.submitter || null);
  }, true);

  // ---- a form's client id: one per filled-in form, until it is saved ---------------------

  const FORMS_KEY = 'groundwork-forms:';
  let pageToken = null;

  function restoredVisit() {
    const nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    return !!nav && nav.type === 'back_forward';
  }

  // A token for this history entry: Back to it finds the same token (and the forms' ids).
  function historyToken() {
    if (pageToken) return pageToken;
    const state = history.state && typeof history.state === 'object' ? history.state : {};
    if (restoredVisit() && state.groundworkForms) {
      pageToken = state.groundworkForms;
    } else {
      pageToken = Outbox.newId();
      try { history.replaceState(Object.assign({}, state, { groundworkForms: pageToken }), ''); } catch (err) { /* ignore */ }
    }
    return pageToken;
  }

  function formKey(form) {
    const forms = Array.prototype.filter.call(document.querySelectorAll('form[data-outbox]'), f => !f.hasAttribute('data-outbox-replaces'));
    return FORMS_KEY + historyToken() + ':' + forms.indexOf(form);
  }

  function recall(form) {
    try { return JSON.parse(sessionStorage.getItem(formKey(form)) || 'null'); } catch (err) { return null; }
  }

  function remember(form, record) {
    try { sessionStorage.setItem(formKey(form), JSON.stringify(record)); } catch (err) { /* private mode */ }
  }

  function setClientId(form, id) {
    form.setAttribute('data-client-id', id);
    const input = form.querySelector('input[name="client_id"]');
    if (input) input.value = id;
  }

  function prepare(form) {
    if (form.hasAttribute('data-client-id')) return; // adopted (the entry's id) or prepared
    let record = recall(form);
    if (!record) {
      record = { id: Outbox.newId(), saved: false };
      remember(form, record);
    }
    setClientId(form, record.id);
    if (record.saved) showSaved(form, false);
  }

  // The write is in the outbox: what the rep typed is safe there (drafts.js forgets its draft).
  function markSaved(form) {
    remember(form, { id: form.getAttribute('data-client-id'), saved: true });
    form.setAttribute('data-outbox-saved', '');
    form.dispatchEvent(new CustomEvent('groundwork:saved', { bubbles: true }));
  }

  // A draft brought back (drafts.js) keeps the id it was typed under: one write, however often
  // it comes back.
  function adoptClientId(form, id) {
    setClientId(form, id);
    remember(form, { id, saved: false });
  }

  function startAfresh(form) {
    form.reset();
    form.removeAttribute('data-outbox-saved');
    const id = Outbox.newId();
    setClientId(form, id);
    remember(form, { id, saved: false });
    const box = form.querySelector('[data-saved-notice]');
    if (box) box.remove();
    busy(form, false);
    form.dispatchEvent(new CustomEvent('groundwork:afresh', { bubbles: true }));
  }

  // Back (or the back-forward cache) brought a saved form back: it must not save again.
  function showSaved(form, focus) {
    form.setAttribute('data-outbox-saved', '');
    busy(form, false);
    let box = form.querySelector('[data-saved-notice]');
    if (!box) {
      box = el('div', 'flash saved-already');
      box.setAttribute('data-saved-notice', '');
      box.setAttribute('role', 'status');
      box.setAttribute('tabindex', '-1');
      box.appendChild(el('p', '', 'Already saved. Saving it again changes nothing.'));
      const fresh = el('button', 'button', 'Start a new one');
      fresh.type = 'button';
      fresh.addEventListener('click', () => { startAfresh(form); });
      box.appendChild(fresh);
      form.insertBefore(box, form.firstChild);
    }
    if (focus) { box.scrollIntoView({ block: 'center' }); box.focus({ preventScroll: true }); }
  }

  function prepareAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll('form[data-outbox]'), prepare);
    guardLengths(root || document);
  }

  window.addEventListener('pageshow', event => {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll('form[data-outbox]'), form => {
      const record = recall(form);
      if (record && record.saved) showSaved(form, false); else busy(form, false);
    });
  });


  function formData(form, submitter) {
    try {
      return submitter ? new FormData(form, submitter) : new FormData(form);
    } catch (err) {
      return new FormData(form);
    }
  }

  function labelsOf(form) {
    const labels = {};
    Array.prototype.forEach.call(form.elements, el => {
      if (!el.name || labels[el.name] || SKIP_FIELDS[el.name] || el.type === 'hidden') return;
      labels[el.name] = fieldLabel(el);
    });
    return labels;
  }

  function kindOf(form, pathname) {
    const kind = form.getAttribute('data-outbox');
    if (kind) return kind;
    // A form without a kind of its own: the kind of record its address is under.
    const under = [['meeting', 'meetingNew'], ['note', 'noteNew'], ['opportunity', 'opportunityNew']]
      .filter(pair => pathname.indexOf(routes[pair[1]].replace(/[^/]*$/, '')) === 0)[0];
    return under ? under[0] : 'write';
  }

  function accountOf(form, fields) {
    let id = form.getAttribute('data-account-id') || '';
    let name = form.getAttribute('data-account-name') || '';
    if (!id) {
      fields.forEach(pair => { if (pair[0] === 'account_id' && pair[1]) id = pair[1]; });
    }
    const onAccountPage = idIn('account', location.pathname);
    if (!id && onAccountPage) id = onAccountPage;
    if (!name) {
      const select = form.querySelector('select[name="account_id"]');
      if (select && select.selectedOptions[0]) name = select.selectedOptions[0].textContent.trim();
    }
    if (!name) {
      const named = document.querySelector('[data-account-name]');
      if (named) name = named.getAttribute('data-account-name');
      else if (onAccountPage && id === onAccountPage) {
        const h1 = document.querySelector('main h1');
        if (h1) name = h1.textContent.trim();
      }
    }
    return { id, name };
  }

  // ---- the change in the rep's words ---------------------------------------------------

  // Money as the pages write it: the form carries the server's (Babel) format of 0 for the
  // record's currency ("$0", "€0"), and the amount takes the 0's place.
  function money(form, text) {
    const n = Number(String(text).replace(/[$,\s]/g, ''));
    if (text === '' || !isFinite(n)) return text;
    const format = form.getAttribute('data-money-format') || '$0';
    return format.replace('0', n.toLocaleString('en-US', { minimumFractionDigits: n % 1 ? 2 : 0,
      maximumFractionDigits: 2 }));
  }

  function shown(form, field, value) {
    if (value === '') return '—';
    if (field.getAttribute('inputmode') === 'decimal') return money(form, value);
    if (field.type === 'date') {
      const day = new Date(value + 'T12:00:00Z');
      // 'Mon Dec 7 2026', as the pages write a date (webapp/display.py)
      return isNaN(day) ? value : day.toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric',
        year: 'numeric', timeZone: 'UTC' }).replace(/,/g, '');
    }
    return value;
  }

  function optionText(option) { return option ? option.textContent.trim() : '—'; }

  function radioText(radio) {
    const label = radio && radio.labels && radio.labels[0];
    return radio ? (label ? label.textContent.trim() : radio.value) : '—';
  }

  /* [{name, label, old, now, value}] for what the rep changed in this form: the tapped button
   * (a stage) and every field whose value differs from what the page showed. */
  function changesOf(form, submitter) {
    const changes = [];
    const seen = {};
    if (submitter && submitter.name && !SKIP_FIELDS[submitter.name]) {
      seen[submitter.name] = true;
      const pressed = form.querySelector('[name="' + CSS.escape(submitter.name) + '"][aria-pressed="true"]');
      changes.push({ name: submitter.name, label: fieldLabel(submitter), value: submitter.value,
        old: pressed && pressed !== submitter ? pressed.textContent.trim() : '', now: submitter.textContent.trim() });
    }
    Array.prototype.forEach.call(form.elements, field => {
      const name = field.name;
      if (!name || seen[name] || SKIP_FIELDS[name] || field.type === 'hidden' || field.type === 'submit'
          || field.tagName === 'BUTTON' || field.tagName === 'FIELDSET') return;
      let change = null;
      if (field.type === 'radio') {
        seen[name] = true;
        const group = Array.prototype.filter.call(form.elements, f => f.type === 'radio' && f.name === name);
        const was = group.filter(f => f.defaultChecked)[0];
        const now = group.filter(f => f.checked)[0];
        if (was !== now && now) change = { old: was ? radioText(was) : '', now: radioText(now), value: now.value };
      } else if (field.tagName === 'SELECT') {
        const selected = field.selectedOptions[0];
        const initial = Array.prototype.filter.call(field.options, o => o.defaultSelected)[0] || field.options[0];
        if (selected !== initial) change = { old: initial && initial.value ? optionText(initial) : '', now: optionText(selected), value: field.value };
      } else if (field.type === 'checkbox') {
        if (field.checked !== field.defaultChecked) change = { old: '', now: field.checked ? 'Yes' : 'No', value: field.checked ? field.value : '' };
      } else if (field.value !== field.defaultValue) {
        change = { old: field.defaultValue ? shown(form, field, field.defaultValue) : '', now: shown(form, field, field.value), value: field.value };
      }
      if (change) {
        change.name = name;
        change.label = fieldLabel(field);
        changes.push(change);
      }
    });
    return changes;
  }

  function describe(changes) {
    return changes.map(c => c.label + ': ' + (c.old ? c.old + ' → ' : '') + c.now).join(' · ');
  }

  function summaryOf(form, kind, fields, changes) {
    const values = {};
    fields.forEach(pair => { values[pair[0]] = pair[1]; });
    if (kind === 'meeting') return values.notes || 'Meeting';
    if (kind === 'note') return values.body || 'Note';
    return form.getAttribute('data-outbox-summary') || describe(changes) || 'No change';
  }

  function capture(form, submitter) {
    const action = new URL(form.getAttribute('action') || location.href, location.href);
    let fields = [];
    formData(form, submitter).forEach((value, name) => {
      if (typeof value === 'string') fields.push([name, value]);
    });
    // The form's own id (one per filled-in form, see prepare()): sent twice, it is one write.
    const id = form.getAttribute('data-client-id') || Outbox.newId();
    fields = fields.filter(pair => pair[0] !== 'client_id');
    fields.push(['client_id', id]);
    const kind = kindOf(form, action.pathname);
    const labels = labelsOf(form);
    const account = accountOf(form, fields);
    const changes = changesOf(form, submitter);
    const heading = document.querySelector('main h1');
    return {
      id, kind, action: action.pathname + action.search, fields,
      labels, accountId: account.id, accountName: account.name, userId: user,
      subject: kind === 'opportunity' && heading ? heading.textContent.trim() : '',
      changes,
      summary: summaryOf(form, kind, fields, changes).slice(0, 200), from: location.pathname + location.search,
      createdAt: new Date().toISOString(), state: 'pending', attempts: 0, lastError: '',
    };
  }

  function busy(form, on) {
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    Array.prototype.forEach.call(form.querySelectorAll('button, input[type=submit]'), b => {
      b.disabled = on;
    });
  }

  async function queue(form, submitter) {
    // Capture before disabling the buttons: a disabled submitter (the stage button that was
    // tapped) is left out of FormData, and its value is the whole point of the write.
    const entry = capture(form, submitter);
    busy(form, true);
    const destination = destinationOf(entry, form);
    try {
      await Outbox.add(entry, form.getAttribute('data-outbox-replaces') || null);
      markSaved(form);
      Outbox.requestSync();
      const outcome = navigator.onLine ? await Promise.race([Outbox.replay(), wait(ONLINE_WAIT)]) : null;
      const result = outcome ? await answerFor(entry.id, outcome) : null;
      if (result && result.state === 'confirmed') {
        go(destination);
        return;
      }
      if (result && result.state === 'needs-attention') {
        // Refused while the rep is here: the server's errors in place, as a plain form would
        // show them, and nothing left waiting on the phone (it was never saved).
        const stored = await Outbox.get(entry.id);
        await Outbox.discard(entry.id);
        stored.replace = false;
        showInPlace(stored);
        return;
      }
      if (result && result.state === 'conflict') {
        showInPlace(await Outbox.get(entry.id));
        return;
      }
      await leaveFor(destination, form);
    } catch (err) {
      busy(form, false);
      if (err && err.name === 'ConstraintError') { showSaved(form, true); return; }
      notice('This phone could not store the change: ' + err + '. Nothing was sent; try again.');
    }
  }

  // The server's answer to this write, whoever sent it: this page's replay, or the service
  // worker's Background Sync, which may take the replay lock first (then this page's pass finds
  // nothing due, and the entry itself says how it went: gone once confirmed, or marked).
  async function answerFor(id, outcome) {
    const own = outcome.results && outcome.results[id];
    if (own || outcome.status !== 'done') return own || null;
    const stored = await Outbox.get(id);
    if (!stored) return { state: 'confirmed' };
    return stored.state === 'needs-attention' || stored.state === 'conflict' ? { state: stored.state } : null;
  }

  // Where the server sends the rep after this write: the opportunity's own page after an
  // update, the account's page after a meeting or note (its cached copy when offline).
  function destinationOf(entry, form) {
    const next = form.getAttribute('data-outbox-next');
    if (next) return next;
    if (entry.kind === 'opportunity' && /^\d+$/.test(idIn('opportunity', entry.action) || '')) return entry.action;
    return entry.accountId ? path('account', entry.accountId) : path('home');
  }

  // To the page after a write: the same page (a deal made on this phone, whose address
  // differs only in its #fragment from nothing) is loaded again, not just scrolled.
  function go(url) {
    if (new URL(url, location.href).href === location.href) location.reload();
    else location.assign(url);
  }

  function wait(ms) { return new Promise(resolve => { setTimeout(resolve, ms); }); }

  // Offline, only go where the service worker has a copy; otherwise stay and say so. A form
  // has one copy for every account or record (<body data-offline-forms>, webapp/pwa.py
  // OFFLINE_FORMS): its address without the query is the copy the worker shows.
  const OFFLINE_FORMS = (document.body.getAttribute('data-offline-forms') || '').split(' ');
  async function reachable(url) {
    if (navigator.onLine || !window.caches) return true;
    const where = new URL(url, location.href);
    where.hash = '';
    try {
      if (await caches.match(where.href, { ignoreVary: true })) return true;
      if (!OFFLINE_FORMS.includes(where.pathname)) return false;
      return !!await caches.match(where.origin + where.pathname, { ignoreVary: true });
    } catch (error) {
      return false;
    }
  }

  async function leaveFor(url, form) {
    if (await reachable(url)) { go(url); return; }
    startAfresh(form);
    notice('Saved on this phone. It will be sent when you are back online.');
  }

  function notice(text) {
    const main = document.getElementById('main') || document.body;
    const p = document.createElement('p');
    p.className = 'flash';
    p.setAttribute('role', 'status');
    p.textContent = text;
    main.insertBefore(p, main.firstChild);
  }

  Object.assign(GW, { prepareAll, adoptClientId });
})();
