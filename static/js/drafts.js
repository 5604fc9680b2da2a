/* What the rep typed into a form (marked data-draft) and has not saved yet survives a reload,
 * a tab the phone put to sleep, a crash or a browser restart, online or offline.
 *
 * Only the fields the rep changed are kept, each with what the page showed there before, on
 * this phone (localStorage), per user and per address, for two weeks. A field the page now
 * shows differently (a colleague changed the deal since) keeps the page's value, and the form
 * says what the rep had typed there. Opened again, the form shows them with "Restored what you typed"
 * and a way to discard them; a field the page already filled (Back restores a form itself) is
 * never overwritten. A restored draft keeps the client id it was typed under, so whatever
 * happened before, saving it is one write. The draft is forgotten the moment the write is in
 * the outbox (form_capture.js says 'groundwork:saved') and at sign-out (briefcase.js).
 * People ticked and a deal chosen in parts that arrive later (the account's people, loaded when
 * it is picked or from its saved page) are ticked again as they appear, unless the rep has
 * changed them meanwhile. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const { user, SKIP_FIELDS, el, when, adoptClientId, fieldLabel } = GW;
  const PREFIX = 'groundwork-draft:';
  const KEEP_MS = 14 * 24 * 3600 * 1000;
  const SAVE_AFTER_MS = 300;
  let store = null;
  try { store = window.localStorage; } catch (err) { return; } // storage blocked: nothing kept
  if (!store || !user) return;

  const forms = () => Array.prototype.slice.call(document.querySelectorAll('main form[data-draft]'));
  const keyOf = form => PREFIX + user + ':' + location.pathname + location.search + ':' + forms().indexOf(form);

  function read(key) {
    try {
      const draft = JSON.parse(store.getItem(key) || 'null');
      return draft && Date.now() - draft.at < KEEP_MS ? draft : null;
    } catch (err) { return null; }
  }

  function write(key, draft) {
    try {
      if (draft) store.setItem(key, JSON.stringify(draft)); else store.removeItem(key);
    } catch (err) { /* full or private mode: the page itself still holds it */ }
  }

  // A field's identity in a draft: its name, and for a tick box its value (one per person).
  // Its kind: t 'c' a tick box, 'r' one of a set of choices, 's' a list, 'x' text.
  const kindOf = field => field.type === 'checkbox' ? 'c' : field.type === 'radio' ? 'r'
    : field.tagName === 'SELECT' ? 's' : 'x';
  const keyFor = (name, kind, value) => name + (kind === 'c' ? '\u0000' + value : '');
  const fieldKey = field => keyFor(field.name, kindOf(field), field.value);
  // Never a search box (the account picker's: its results come from the server each time).
  const kept = field => field.name && !SKIP_FIELDS[field.name] && field.type !== 'hidden' &&
    field.type !== 'submit' && field.type !== 'button' && field.type !== 'file' && field.type !== 'search' &&
    field.tagName !== 'BUTTON' && field.tagName !== 'FIELDSET' && field.tagName !== 'OUTPUT';
  // What the page showed in a field before the rep changed it.
  const defaultOption = field => Array.prototype.filter.call(field.options, o => o.defaultSelected)[0] || field.options[0];
  const baseOf = field => (field.type === 'checkbox' || field.type === 'radio') ? field.defaultChecked
    : field.tagName === 'SELECT' ? (defaultOption(field) || {}).value || '' : field.defaultValue;
  const atDefault = field => (field.type === 'checkbox' || field.type === 'radio')
    ? field.checked === field.defaultChecked
    : field.tagName === 'SELECT' ? field.selectedOptions[0] === defaultOption(field)
      : field.value === field.defaultValue;

  // ---- keeping: what the rep changed, a moment after each change ----------------------------

  const changed = new WeakMap(); // form -> Set of field keys the rep changed (or a draft restored)
  const waitingFor = new WeakMap(); // form -> kept values whose field has not arrived yet
  const timers = new WeakMap();
  let leaving = false; // discarding: the page is about to load afresh
  let putting = false; // the events a restored value sends are not the rep's

  function changedIn(form) {
    if (!changed.has(form)) changed.set(form, new Set());
    return changed.get(form);
  }

  function snapshot(form) {
    const keys = changedIn(form);
    const fields = [];
    Array.prototype.forEach.call(form.elements, field => {
      if (!kept(field) || !keys.has(fieldKey(field))) return;
      const t = kindOf(field);
      const b = baseOf(field);
      if (t === 'c' || t === 'r') {
        if (t === 'c' || field.checked) fields.push({ n: field.name, v: field.value, c: field.checked, t, b });
      } else {
        fields.push({ n: field.name, v: field.value, t, b });
      }
    });
    // Ticks of people not on the form yet (their account's part has not come) are kept too.
    (waitingFor.get(form) || []).forEach(entry => { if (!matching(form, entry)) fields.push(entry); });
    return fields;
  }

  function save(form) {
    clearTimeout(timers.get(form));
    if (leaving || !form.isConnected || form.hasAttribute('data-outbox-saved')) return;
    const fields = snapshot(form);
    write(keyOf(form), fields.length
      ? { at: Date.now(), id: form.getAttribute('data-client-id') || '', fields } : null);
  }

  function noted(event) {
    const field = event.target;
    const form = field && field.form;
    if (putting || !form || !form.hasAttribute('data-draft') || !kept(field)) return;
    changedIn(form).add(fieldKey(field));
    clearTimeout(timers.get(form));
    timers.set(form, setTimeout(() => save(form), SAVE_AFTER_MS));
  }
  document.addEventListener('input', noted, true);
  document.addEventListener('change', noted, true);
  // The last moment a phone gives a page before it may be put to sleep or closed.
  const saveAll = () => forms().forEach(save);
  window.addEventListener('pagehide', saveAll);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') saveAll(); });

  const forget = event => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-draft')) return;
    clearTimeout(timers.get(form));
    changedIn(form).clear();
    write(keyOf(form), null);
  };
  document.addEventListener('groundwork:saved', forget);
  document.addEventListener('groundwork:afresh', forget);

  // ---- restoring ------------------------------------------------------------------------

  function matching(form, entry) {
    return Array.prototype.filter.call(form.elements, field => field.name === entry.n && kept(field) &&
      kindOf(field) === entry.t && (entry.t === 'x' || entry.t === 's' || field.value === entry.v))[0] || null;
  }

  // Puts one kept value back into a field the page left as it was; says whether it did. A field
  // the page now shows differently from when the rep typed (someone changed the deal since)
  // keeps what the page shows: the rep's old edit must not undo a change they never saw.
  // (The meeting's time is the moment its form was drawn: that one is put back regardless.)
  function put(field, entry, since) {
    if (!field || !atDefault(field)) return false;
    if ('b' in entry && baseOf(field) !== entry.b && !field.hasAttribute('data-now')) {
      if (since) since.set(fieldLabel(field), typedText(field, entry));
      return false;
    }
    if (entry.t === 'c' || entry.t === 'r') {
      if (field.checked === entry.c) return false;
      field.checked = entry.c;
    } else if (entry.t === 's') {
      if (field.value === entry.v || !Array.prototype.some.call(field.options, o => o.value === entry.v)) return false;
      field.value = entry.v;
    } else {
      if (field.value === entry.v) return false;
      field.value = entry.v;
    }
    putting = true;
    try {
      field.dispatchEvent(new Event(entry.t === 'x' ? 'input' : 'change', { bubbles: true }));
    } finally {
      putting = false;
    }
    return true;
  }

  function typedText(field, entry) {
    if (entry.t === 'c' || entry.t === 'r') return '';
    const option = entry.t === 's' && Array.prototype.filter.call(field.options, o => o.value === entry.v)[0];
    const text = option ? option.textContent.trim() : entry.v;
    return text.length > 80 ? text.slice(0, 79) + '…' : text;
  }

  function offerDiscard(form, at, restored, since) {
    const box = el('div', 'flash draft-restored');
    box.setAttribute('role', 'status');
    box.setAttribute('data-draft-notice', '');
    box.appendChild(el('p', '', (restored ? 'Restored what you typed (' : 'What you typed earlier (') +
      when(new Date(at).toISOString()) + '), not saved yet.'));
    // Someone changed these since: shown as they are now, with what the rep had typed.
    since.forEach((typed, label) => {
      box.appendChild(el('p', '', label + ' changed since; it shows the new value' +
        (typed ? ' (you had typed “' + typed + '”).' : '.')));
    });
    const discard = el('button', 'button', 'Discard it');
    discard.type = 'button';
    discard.addEventListener('click', () => {
      leaving = true;
      write(keyOf(form), null);
      location.reload();
    });
    box.appendChild(discard);
    form.insertBefore(box, form.firstChild);
  }

  // Later parts of the form (people ticked, a deal chosen) are ticked again as they arrive,
  // unless the rep changed that field meanwhile. Never the account itself: a search result
  // must not pick it under the rep's thumb.
  function follow(form, waiting, restored) {
    waitingFor.set(form, waiting);
    if (!waiting.length || !window.MutationObserver) return;
    const observer = new MutationObserver(() => {
      if (form.hasAttribute('data-outbox-saved')) { observer.disconnect(); return; }
      waiting.forEach(entry => {
        const field = matching(form, entry);
        if (field && !field.hasAttribute('data-draft-put') && put(field, entry)) {
          field.setAttribute('data-draft-put', '');
          restored();
        }
      });
    });
    observer.observe(form, { childList: true, subtree: true });
    form.addEventListener('change', event => {
      if (putting || !event.target.name) return;
      const key = fieldKey(event.target);
      for (let i = waiting.length - 1; i >= 0; i -= 1) {
        if (keyFor(waiting[i].n, waiting[i].t, waiting[i].v) === key) waiting.splice(i, 1);
      }
    }, true);
  }

  function restore(form) {
    const key = keyOf(form);
    const draft = read(key);
    if (!draft || !Array.isArray(draft.fields)) { write(key, null); return; }
    if (form.hasAttribute('data-outbox-saved')) return; // Back to a form already saved
    let said = false;
    const since = new Map(); // field label -> what the rep had typed there (see put)
    const restored = any => {
      if (said) return;
      said = true;
      if (draft.id) adoptClientId(form, draft.id);
      offerDiscard(form, draft.at, any, since);
    };
    const keys = changedIn(form);
    let any = false;
    draft.fields.forEach(entry => {
      keys.add(keyFor(entry.n, entry.t, entry.v));
      const field = matching(form, entry);
      // Ticks and lists may be drawn anew (the account's parts): those are followed, not told.
      if (put(field, entry, entry.t === 'x' || entry.t === 'r' ? since : null)) {
        field.setAttribute('data-draft-put', '');
        any = true;
      }
    });
    if (any || since.size) restored(any);
    follow(form, draft.fields.filter(entry => (entry.t === 'c' || entry.t === 's') && entry.n !== 'account_id'),
      () => restored(true));
  }

  // Old drafts of this user go; then this page's forms get theirs back.
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key && key.indexOf(PREFIX + user + ':') === 0 && !read(key)) write(key, null);
  }
  forms().forEach(restore);
})();
