/* Groundwork page glue: writes go through the outbox (service_worker/outbox.js), pending writes
 * show where the rep looks for them, and a badge in the header counts what is not yet synced.
 *
 * Outbox-first: a form marked data-outbox is never posted by the browser itself. The write is
 * stored in IndexedDB, then replayed at once when online. A connection that drops mid-request
 * therefore loses nothing (the entry is still there, and its client UUID makes the retry
 * harmless), and the same code path serves online and offline. Without JavaScript or
 * IndexedDB the forms post as plain forms.
 *
 * A form's client id belongs to what the rep filled in: one id per form per page visit (kept in
 * the history entry), so the same form sent twice, or brought back by Back, is one write. What
 * the page can check (required, lengths, dates, amounts: the form's own HTML attributes) is
 * checked before anything is queued; only writes that reached the outbox count as unsynced. */
(function () {
  'use strict';

  var Outbox = window.GroundworkOutbox;
  if (!Outbox || !window.indexedDB || !document.body) return;

  var user = document.body.getAttribute('data-user') || '';
  var timeZone = document.body.getAttribute('data-timezone') || undefined;
  var KIND_LABELS = {
    meeting: 'Meeting', note: 'Note', filing: 'Filing a note', opportunity: 'Opportunity update',
    commitment: 'Commitment',
    // field capture (static/js/capture.js)
    account: 'New account', contact: 'Contact', new_opportunity: 'New opportunity',
  };
  var STATE_LABELS = {
    pending: 'pending', sending: 'sending', 'needs-attention': 'needs attention',
    conflict: 'conflict',
  };
  var SKIP_FIELDS = { csrf_token: true, client_id: true };
  var ONLINE_WAIT = 5000;
  var retryTimer = null;

  // ---- capture -------------------------------------------------------------------------

  document.addEventListener('submit', function (event) {
    var form = event.target;
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

  var FORMS_KEY = 'groundwork-forms:';
  var pageToken = null;

  function restoredVisit() {
    var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    return !!nav && nav.type === 'back_forward';
  }

  // A token for this history entry: Back to it finds the same token (and the forms' ids).
  function historyToken() {
    if (pageToken) return pageToken;
    var state = history.state && typeof history.state === 'object' ? history.state : {};
    if (restoredVisit() && state.groundworkForms) {
      pageToken = state.groundworkForms;
    } else {
      pageToken = Outbox.newId();
      try { history.replaceState(Object.assign({}, state, { groundworkForms: pageToken }), ''); } catch (err) { /* ignore */ }
    }
    return pageToken;
  }

  function formKey(form) {
    var forms = Array.prototype.filter.call(document.querySelectorAll('form[data-outbox]'), function (f) {
      return !f.hasAttribute('data-outbox-replaces');
    });
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
    var input = form.querySelector('input[name="client_id"]');
    if (input) input.value = id;
  }

  function prepare(form) {
    if (form.hasAttribute('data-client-id')) return; // adopted (the entry's id) or prepared
    var record = recall(form);
    if (!record) {
      record = { id: Outbox.newId(), saved: false };
      remember(form, record);
    }
    setClientId(form, record.id);
    if (record.saved) showSaved(form, false);
  }

  function markSaved(form) {
    remember(form, { id: form.getAttribute('data-client-id'), saved: true });
    form.setAttribute('data-outbox-saved', '');
  }

  function startAfresh(form) {
    form.reset();
    form.removeAttribute('data-outbox-saved');
    var id = Outbox.newId();
    setClientId(form, id);
    remember(form, { id: id, saved: false });
    var box = form.querySelector('[data-saved-notice]');
    if (box) box.remove();
    busy(form, false);
  }

  // Back (or the back-forward cache) brought a saved form back: it must not save again.
  function showSaved(form, focus) {
    form.setAttribute('data-outbox-saved', '');
    busy(form, false);
    var box = form.querySelector('[data-saved-notice]');
    if (!box) {
      box = el('div', 'flash saved-already');
      box.setAttribute('data-saved-notice', '');
      box.setAttribute('role', 'status');
      box.setAttribute('tabindex', '-1');
      box.appendChild(el('p', '', 'Already saved. Saving it again changes nothing.'));
      var fresh = el('button', 'button', 'Start a new one');
      fresh.type = 'button';
      fresh.addEventListener('click', function () { startAfresh(form); });
      box.appendChild(fresh);
      form.insertBefore(box, form.firstChild);
    }
    if (focus) { box.scrollIntoView({ block: 'center' }); box.focus({ preventScroll: true }); }
  }

  function prepareAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll('form[data-outbox]'), prepare);
    guardLengths(root || document);
  }

  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll('form[data-outbox]'), function (form) {
      var record = recall(form);
      if (record && record.saved) showSaved(form, false); else busy(form, false);
    });
  });

  // ---- what the page can check before anything is queued ----------------------------------

  function number(n) { return Number(n).toLocaleString('en-US'); }

  function fieldLabel(field) {
    var label = field.labels && field.labels[0];
    if ((!label || field.type === 'radio' || field.type === 'checkbox') && field.closest) {
      var fieldset = field.closest('fieldset');
      if (fieldset && fieldset.querySelector('legend')) label = fieldset.querySelector('legend');
    }
    var text = label ? label.textContent.trim().replace(/\s+/g, ' ') : '';
    return text || field.name.replace(/_/g, ' ').replace(/^./, function (c) { return c.toUpperCase(); });
  }

  function problemOf(field) {
    var label = fieldLabel(field);
    var max = Number(field.getAttribute('data-maxlength'));
    if (max && field.value.length > max) {
      return label + ' holds at most ' + number(max) + ' characters; this is ' + number(field.value.length)
        + '. Shorten it to save: nothing was cut.';
    }
    var v = field.validity;
    if (!v || v.valid) return '';
    var isDate = /^(date|datetime-local|month|time)$/.test(field.type);
    if (v.valueMissing) {
      return (field.tagName === 'SELECT' || field.type === 'radio' ? 'Choose ' : 'Fill in ') + '“' + label + '”.';
    }
    if (v.badInput) return isDate ? 'Enter a real date, like 2026-03-31.' : 'Enter a number.';
    if (v.typeMismatch) return field.type === 'email' ? 'Enter an e-mail address, like name@example.com.' : 'Check “' + label + '”.';
    if (v.patternMismatch) return field.getAttribute('title') || 'Check the format of “' + label + '”.';
    if (v.rangeUnderflow) return isDate ? 'Enter a date from ' + field.min.slice(0, 10) + ' on.' : 'Enter ' + field.min + ' or more.';
    if (v.rangeOverflow) return isDate ? 'Enter a date up to ' + field.max.slice(0, 10) + '.' : 'Enter at most ' + field.max + '.';
    if (v.tooShort) return '“' + label + '” needs at least ' + field.minLength + ' characters.';
    if (v.stepMismatch) return 'Check “' + label + '”.';
    return field.validationMessage || 'Check “' + label + '”.';
  }

  function clearError(field) {
    var form = field.form;
    var group = field.type === 'radio' && form ? form.querySelectorAll('input[type=radio][name="' + CSS.escape(field.name) + '"]') : [field];
    Array.prototype.forEach.call(group, function (f) { f.removeAttribute('aria-invalid'); });
    var error = document.getElementById(errorId(field));
    if (error && error.hasAttribute('data-client-error')) error.remove();
    else if (error) error.hidden = true;
    var wrap = field.closest && field.closest('.field, fieldset');
    if (wrap) wrap.classList.remove('invalid');
  }

  function errorId(field) {
    return (field.type === 'radio' ? field.name : (field.id || field.name)) + '-error';
  }

  function showError(field, message) {
    var id = errorId(field);
    var error = document.getElementById(id);
    var wrap = (field.closest && field.closest('.field, fieldset')) || field.parentNode;
    if (!error) {
      error = el('p', 'error');
      error.id = id;
      error.setAttribute('data-client-error', '');
      var after = field.type === 'radio' ? wrap.lastChild : field;
      if (after && after.parentNode === wrap) after.after(error); else wrap.appendChild(error);
    }
    error.hidden = false;
    error.textContent = message;
    wrap.classList.add('invalid');
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', id);
  }

  function validate(form) {
    var first = null;
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.type === 'hidden' || !field.willValidate) return;
      if (field.type === 'radio') { if (seen[field.name]) return; seen[field.name] = true; }
      var message = problemOf(field);
      if (!message) { if (field.getAttribute('aria-invalid') === 'true') clearError(field); return; }
      showError(field, message);
      if (!first) first = field;
    });
    if (!first) return true;
    first.scrollIntoView({ block: 'center' });
    first.focus({ preventScroll: true });
    return false;
  }

  document.addEventListener('input', function (event) {
    var field = event.target;
    if (field && field.form && field.form.hasAttribute('data-outbox') && field.getAttribute('aria-invalid') === 'true'
        && !problemOf(field)) {
      clearError(field);
    }
  });

  // Text past a field's limit is never cut (outbox forms): the browser's maxlength would cut a paste
  // silently, so the limit becomes a counter and a message, checked before saving.
  function guardLengths(root) {
    Array.prototype.forEach.call(root.querySelectorAll('form[data-outbox] textarea[maxlength], form[data-outbox] input[maxlength]'), function (field) {
      var max = field.maxLength;
      field.removeAttribute('maxlength');
      if (!(max > 0)) return;
      field.setAttribute('data-maxlength', String(max));
      var counter = el('p', 'hint count');
      counter.id = (field.id || field.name) + '-count';
      counter.setAttribute('aria-live', 'polite');
      counter.hidden = true;
      field.after(counter);
      var update = function () {
        var length = field.value.length;
        counter.hidden = length < max * 0.8;
        counter.classList.toggle('error', length > max);
        counter.textContent = length > max
          ? number(length) + ' characters: ' + number(length - max) + ' over the limit of ' + number(max)
            + '. Nothing was cut; shorten it to save.'
          : number(length) + ' of ' + number(max) + ' characters.';
      };
      field.addEventListener('input', update);
      update();
    });
  }

  function formData(form, submitter) {
    try {
      return submitter ? new FormData(form, submitter) : new FormData(form);
    } catch (err) {
      return new FormData(form);
    }
  }

  function labelsOf(form) {
    var labels = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || labels[el.name] || SKIP_FIELDS[el.name] || el.type === 'hidden') return;
      labels[el.name] = fieldLabel(el);
    });
    return labels;
  }

  function kindOf(form, path) {
    var kind = form.getAttribute('data-outbox');
    if (kind) return kind;
    var match = path.match(/^\/(meetings|notes|opportunities)\b/);
    return match ? { meetings: 'meeting', notes: 'note', opportunities: 'opportunity' }[match[1]] : 'write';
  }

  function accountOf(form, fields) {
    var id = form.getAttribute('data-account-id') || '';
    var name = form.getAttribute('data-account-name') || '';
    if (!id) {
      fields.forEach(function (pair) { if (pair[0] === 'account_id' && pair[1]) id = pair[1]; });
    }
    var onAccountPage = location.pathname.match(/^\/accounts\/(\d+)\/?$/);
    if (!id && onAccountPage) id = onAccountPage[1];
    if (!name) {
      var select = form.querySelector('select[name="account_id"]');
      if (select && select.selectedOptions[0]) name = select.selectedOptions[0].textContent.trim();
    }
    if (!name) {
      var named = document.querySelector('[data-account-name]');
      if (named) name = named.getAttribute('data-account-name');
      else if (onAccountPage && id === onAccountPage[1]) {
        var h1 = document.querySelector('main h1');
        if (h1) name = h1.textContent.trim();
      }
    }
    return { id: id, name: name };
  }

  // ---- the change in the rep's words ---------------------------------------------------

  // Money as the pages write it: the form carries the server's (Babel) format of 0 for the
  // record's currency ("$0", "€0"), and the amount takes the 0's place.
  function money(form, text) {
    var n = Number(String(text).replace(/[$,\s]/g, ''));
    if (text === '' || !isFinite(n)) return text;
    var format = form.getAttribute('data-money-format') || '$0';
    return format.replace('0', n.toLocaleString('en-US', { minimumFractionDigits: n % 1 ? 2 : 0,
      maximumFractionDigits: 2 }));
  }

  function shown(form, field, value) {
    if (value === '') return '—';
    if (field.getAttribute('inputmode') === 'decimal') return money(form, value);
    if (field.type === 'date') {
      var day = new Date(value + 'T12:00:00Z');
      // 'Mon Dec 7 2026', as the pages write a date (webapp/display.py)
      return isNaN(day) ? value : day.toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric',
        year: 'numeric', timeZone: 'UTC' }).replace(/,/g, '');
    }
    return value;
  }

  function optionText(option) { return option ? option.textContent.trim() : '—'; }

  function radioText(radio) {
    var label = radio && radio.labels && radio.labels[0];
    return radio ? (label ? label.textContent.trim() : radio.value) : '—';
  }

  /* [{name, label, old, now, value}] for what the rep changed in this form: the tapped button
   * (a stage) and every field whose value differs from what the page showed. */
  function changesOf(form, submitter) {
    var changes = [];
    var seen = {};
    if (submitter && submitter.name && !SKIP_FIELDS[submitter.name]) {
      seen[submitter.name] = true;
      var pressed = form.querySelector('[name="' + CSS.escape(submitter.name) + '"][aria-pressed="true"]');
      changes.push({ name: submitter.name, label: fieldLabel(submitter), value: submitter.value,
        old: pressed && pressed !== submitter ? pressed.textContent.trim() : '', now: submitter.textContent.trim() });
    }
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || seen[name] || SKIP_FIELDS[name] || field.type === 'hidden' || field.type === 'submit'
          || field.tagName === 'BUTTON' || field.tagName === 'FIELDSET') return;
      var change = null;
      if (field.type === 'radio') {
        seen[name] = true;
        var group = Array.prototype.filter.call(form.elements, function (f) { return f.type === 'radio' && f.name === name; });
        var was = group.filter(function (f) { return f.defaultChecked; })[0];
        var now = group.filter(function (f) { return f.checked; })[0];
        if (was !== now && now) change = { old: was ? radioText(was) : '', now: radioText(now), value: now.value };
      } else if (field.tagName === 'SELECT') {
        var selected = field.selectedOptions[0];
        var initial = Array.prototype.filter.call(field.options, function (o) { return o.defaultSelected; })[0] || field.options[0];
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
    return changes.map(function (c) { return c.label + ': ' + (c.old ? c.old + ' → ' : '') + c.now; }).join(' · ');
  }

  function summaryOf(form, kind, fields, changes) {
    var values = {};
    fields.forEach(function (pair) { values[pair[0]] = pair[1]; });
    if (kind === 'meeting') return values.notes || 'Meeting';
    if (kind === 'note') return values.body || 'Note';
    return form.getAttribute('data-outbox-summary') || describe(changes) || 'No change';
  }

  function capture(form, submitter) {
    var action = new URL(form.getAttribute('action') || location.href, location.href);
    var fields = [];
    formData(form, submitter).forEach(function (value, name) {
      if (typeof value === 'string') fields.push([name, value]);
    });
    // The form's own id (one per filled-in form, see prepare()): sent twice, it is one write.
    var id = form.getAttribute('data-client-id') || Outbox.newId();
    fields = fields.filter(function (pair) { return pair[0] !== 'client_id'; });
    fields.push(['client_id', id]);
    var kind = kindOf(form, action.pathname);
    var labels = labelsOf(form);
    var account = accountOf(form, fields);
    var changes = changesOf(form, submitter);
    var heading = document.querySelector('main h1');
    return {
      id: id, kind: kind, action: action.pathname + action.search, fields: fields,
      labels: labels, accountId: account.id, accountName: account.name, userId: user,
      subject: kind === 'opportunity' && heading ? heading.textContent.trim() : '',
      changes: changes,
      summary: summaryOf(form, kind, fields, changes).slice(0, 200), from: location.pathname + location.search,
      createdAt: new Date().toISOString(), state: 'pending', attempts: 0, lastError: '',
    };
  }

  function busy(form, on) {
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    Array.prototype.forEach.call(form.querySelectorAll('button, input[type=submit]'), function (b) {
      b.disabled = on;
    });
  }

  function queue(form, submitter) {
    // Capture before disabling the buttons: a disabled submitter (the stage button that was
    // tapped) is left out of FormData, and its value is the whole point of the write.
    var entry = capture(form, submitter);
    busy(form, true);
    var destination = destinationOf(entry, form);
    Outbox.add(entry, form.getAttribute('data-outbox-replaces') || null).then(function () {
      markSaved(form);
      Outbox.requestSync();
      if (!navigator.onLine) return null;
      return Promise.race([Outbox.replay(), wait(ONLINE_WAIT)]);
    }).then(function (outcome) {
      var result = outcome && outcome.results && outcome.results[entry.id];
      if (result && result.state === 'confirmed') {
        go(destination);
        return null;
      }
      if (result && result.state === 'needs-attention') {
        // Refused while the rep is here: the server's errors in place, as a plain form would
        // show them, and nothing left waiting on the phone (it was never saved).
        return Outbox.get(entry.id).then(function (stored) {
          return Outbox.discard(entry.id).then(function () {
            stored.replace = false;
            showInPlace(stored);
          });
        });
      }
      if (result && result.state === 'conflict') {
        return Outbox.get(entry.id).then(function (stored) { showInPlace(stored); });
      }
      return leaveFor(destination, form);
    }).catch(function (err) {
      busy(form, false);
      if (err && err.name === 'ConstraintError') { showSaved(form, true); return; }
      notice('This phone could not store the change: ' + err + '. Nothing was sent; try again.');
    });
  }

  // Where the server sends the rep after this write: the opportunity's own page after an
  // update, the account's page after a meeting or note (its cached copy when offline).
  function destinationOf(entry, form) {
    var next = form.getAttribute('data-outbox-next');
    if (next) return next;
    if (entry.kind === 'opportunity' && /^\/opportunities\/\d+$/.test(entry.action)) return entry.action;
    return entry.accountId ? '/accounts/' + entry.accountId : '/';
  }

  // To the page after a write: the same page (a deal made on this phone, whose address
  // differs only in its #fragment from nothing) is loaded again, not just scrolled.
  function go(url) {
    if (new URL(url, location.href).href === location.href) location.reload();
    else location.assign(url);
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Offline, only go where the service worker has a copy; otherwise stay and say so.
  function leaveFor(url, form) {
    var available = navigator.onLine || !window.caches ? Promise.resolve(true)
      : caches.match(url, { ignoreVary: true }).then(function (hit) { return !!hit; }, function () { return false; });
    return available.then(function (ok) {
      if (ok) { go(url); return; }
      startAfresh(form);
      notice('Saved on this phone. It will be sent when you are back online.');
    });
  }

  function notice(text) {
    var main = document.getElementById('main') || document.body;
    var p = document.createElement('p');
    p.className = 'flash';
    p.setAttribute('role', 'status');
    p.textContent = text;
    main.insertBefore(p, main.firstChild);
  }

  // ---- the server's answer to a write that needs the rep (400/422, 409) -------------------

  function parseScreen(entry) {
    var doc = new DOMParser().parseFromString('<main>' + (entry.screen || '') + '</main>', 'text/html');
    // <noscript> too: parsed here as markup, its no-JS buttons (e.g. "Show who works there")
    // would post around the outbox.
    Array.prototype.forEach.call(doc.querySelectorAll('script, style, link, iframe, object, noscript'), function (el) {
      el.remove();
    });
    var root = doc.querySelector('main');
    var forms = root.querySelectorAll('form');
    Array.prototype.forEach.call(forms, function (form) { adopt(form, entry); });
    if (!root.querySelector('form[data-outbox]')) root.appendChild(editorFor(entry, doc));
    return root;
  }

  // The server's form resubmits through the outbox and takes the place of the entry it answers.
  function adopt(form, entry) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    var action = new URL(form.getAttribute('action') || entry.action, location.origin);
    if (action.origin !== location.origin || /^\/(login|logout)/.test(action.pathname)) return;
    form.setAttribute('data-outbox', entry.kind);
    // The answer's form carries on the same write (same client id) until it is saved.
    form.setAttribute('data-client-id', entry.id);
    if (entry.replace !== false) form.setAttribute('data-outbox-replaces', entry.id);
    // Resolved from the list of pending changes, the rep stays on that list.
    if (location.pathname === '/sync/pending') form.setAttribute('data-outbox-next', location.pathname);
    if (entry.accountId) form.setAttribute('data-account-id', entry.accountId);
    if (entry.accountName) form.setAttribute('data-account-name', entry.accountName);
  }

  // No form in the server's answer (a 404, an expired form): edit the stored fields directly.
  function editorFor(entry, doc) {
    var form = doc.createElement('form');
    form.setAttribute('method', 'post');
    form.setAttribute('action', entry.action);
    form.className = 'stack';
    entry.fields.forEach(function (pair, index) {
      var name = pair[0];
      var value = pair[1];
      var label = (entry.labels || {})[name];
      var input;
      if (!label || SKIP_FIELDS[name]) {
        input = doc.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
        return;
      }
      var wrap = doc.createElement('div');
      wrap.className = 'field';
      var labelEl = doc.createElement('label');
      labelEl.textContent = label;
      labelEl.setAttribute('for', 'edit-' + entry.id + '-' + index);
      input = doc.createElement(value.length > 60 || value.indexOf('\n') >= 0 ? 'textarea' : 'input');
      input.id = 'edit-' + entry.id + '-' + index;
      input.name = name;
      input.value = value;
      if (input.tagName === 'TEXTAREA') input.textContent = value;
      wrap.appendChild(labelEl);
      wrap.appendChild(input);
      form.appendChild(wrap);
    });
    var button = doc.createElement('button');
    button.className = 'primary';
    button.textContent = 'Send again';
    form.appendChild(button);
    adopt(form, entry);
    return form;
  }

  function showInPlace(entry) {
    var main = document.getElementById('main');
    if (!entry || !main) return;
    var screen = parseScreen(entry);
    main.replaceChildren.apply(main, Array.prototype.slice.call(screen.childNodes).map(function (node) {
      return document.importNode(node, true);
    }));
    if (window.htmx) window.htmx.process(main);
    guardLengths(main);
    var invalid = main.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.scrollIntoView({ block: 'center' }); invalid.focus({ preventScroll: true }); } else main.focus();
  }

  // ---- rendering ---------------------------------------------------------------------------

  function mine(entries) {
    return entries.filter(function (entry) { return !entry.userId || !user || entry.userId === user; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date)) return '';
    try {
      return date.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone });
    } catch (err) { // an unknown zone name: the device's
      return date.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
    }
  }

  function stateTag(entry) {
    var attention = entry.state === 'needs-attention' || entry.state === 'conflict';
    var tag = el('span', 'tag' + (attention ? ' warn' : ''), STATE_LABELS[entry.state] || entry.state);
    tag.setAttribute('data-state', entry.state);
    return tag;
  }

  // The count is mirrored in localStorage, read synchronously when a page starts: after a
  // restart without signal IndexedDB can take seconds to open, and the rep must see at once
  // that changes wait. IndexedDB stays the truth and replaces it as soon as it answers.
  var COUNT_KEY = 'groundwork-outbox-count:' + user;

  function mirrorCount(count, attention) {
    try {
      if (count) localStorage.setItem(COUNT_KEY, JSON.stringify([count, attention]));
      else localStorage.removeItem(COUNT_KEY);
    } catch (err) { /* storage full or off: IndexedDB still answers */ }
  }

  function badgeFromMirror() {
    var badge = document.getElementById('sync-status');
    if (!badge || badge.firstChild) return;
    var mirrored = null;
    try { mirrored = JSON.parse(localStorage.getItem(COUNT_KEY) || 'null'); } catch (err) { return; }
    if (!mirrored || !mirrored[0]) return;
    var entries = [];
    for (var i = 0; i < mirrored[0]; i += 1) entries.push({ state: i < mirrored[1] ? 'conflict' : 'pending' });
    renderBadge(entries, { state: 'idle' }, true);
  }

  function renderBadge(entries, status, provisional) {
    var badge = document.getElementById('sync-status');
    if (!badge) return;
    var count = entries.length;
    var attention = entries.filter(function (e) { return e.state === 'needs-attention' || e.state === 'conflict'; }).length;
    if (!provisional) mirrorCount(count, attention);
    badge.replaceChildren();
    if (!count) return;
    var link;
    if (status.state === 'signin') {
      link = el('a', 'signin', 'Sign in to sync');
      link.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
    } else {
      link = el('a', attention ? 'attention' : '', count + ' unsynced');
      link.href = '/sync/pending';
      link.setAttribute('aria-label', count + (count === 1 ? ' change' : ' changes') + ' not yet synced'
        + (attention ? ', ' + attention + ' need your attention' : '') + '. Open the list.');
    }
    link.setAttribute('data-outbox-count', String(count));
    badge.appendChild(link);
  }

  // Pending meetings and notes on their account's page (a cached copy offline), marked pending.
  function renderAccountPage(entries) {
    var match = location.pathname.match(/^\/accounts\/(\d+)\/?$/);
    if (!match) return;
    var sections = { meeting: 'meetings', note: 'notes', opportunity: 'opportunities' };
    var shown = {};
    Object.keys(sections).forEach(function (kind) {
      var section = document.getElementById(sections[kind]);
      if (!section) return;
      var list = section.querySelector('ul[data-outbox-pending]');
      var items = entries.filter(function (e) { return e.kind === kind && String(e.accountId) === match[1]; });
      if (!list) {
        if (!items.length) return;
        list = el('ul', 'list');
        list.setAttribute('data-outbox-pending', '');
        var heading = section.querySelector('h2, h3');
        if (heading && heading.parentNode === section) heading.after(list); else section.prepend(list);
      }
      var existing = {};
      Array.prototype.forEach.call(list.children, function (li) { existing[li.getAttribute('data-outbox-entry')] = li; });
      items.forEach(function (entry) {
        shown[entry.id] = true;
        var li = existing[entry.id];
        if (!li) {
          li = el('li', 'pending');
          li.setAttribute('data-outbox-entry', entry.id);
          var item = el('a', 'item');
          item.href = '/sync/pending#entry-' + entry.id;
          item.appendChild(el('b', '', entry.summary));
          item.appendChild(el('small', 'when', when(entry.createdAt) + ' '));
          li.appendChild(item);
          list.prepend(li);
        }
        var small = li.querySelector('small');
        var old = small.querySelector('.tag');
        if (old) old.remove();
        small.appendChild(stateTag(entry));
      });
      Array.prototype.forEach.call(list.children, function (li) {
        var id = li.getAttribute('data-outbox-entry');
        if (shown[id] || li.classList.contains('synced')) return;
        // Confirmed while the rep looked at this (maybe cached) page: say so, do not vanish.
        li.classList.remove('pending');
        li.classList.add('synced');
        var tag = li.querySelector('.tag');
        if (tag) { tag.className = 'tag'; tag.textContent = 'saved'; tag.setAttribute('data-state', 'saved'); }
      });
    });
  }

  // A pending update on the opportunity's own page: the page may be an older cached copy.
  // The page names the deal it shows (data-opportunity-path): /opportunities/<id>, or
  // /opportunities/<client id> for a deal made on this phone (capture.js).
  function renderOpportunityPage(entries) {
    var named = document.querySelector('[data-opportunity-path]');
    if (!named) return;
    var path = named.getAttribute('data-opportunity-path');
    var main = document.getElementById('main');
    var box = document.getElementById('outbox-opportunity');
    var mineHere = entries.filter(function (e) { return e.kind === 'opportunity' && e.action === path; });
    showPendingValues(mineHere);
    if (!mineHere.length) { if (box) box.remove(); return; }
    if (!box) {
      box = el('ul', 'list');
      box.id = 'outbox-opportunity';
      main.insertBefore(box, main.querySelector('h1') ? main.querySelector('h1').nextSibling : main.firstChild);
    }
    box.replaceChildren();
    mineHere.forEach(function (entry) {
      var li = el('li', 'pending');
      li.setAttribute('data-outbox-entry', entry.id);
      var item = el('a', 'item');
      item.href = '/sync/pending#entry-' + entry.id;
      item.appendChild(el('b', '', entry.summary));
      var small = el('small', '', when(entry.createdAt) + ' ');
      small.appendChild(stateTag(entry));
      item.appendChild(small);
      li.appendChild(item);
      box.appendChild(li);
    });
  }

  // The page shows what the rep set, not the (older) copy's value: every field of a pending
  // update (the later of two changes of one field wins) holds the rep's value, marked as
  // waiting; the mark goes when the outbox no longer holds the change.
  function showPendingValues(entries) {
    var latest = {};
    entries.forEach(function (entry) {
      (entry.changes || []).forEach(function (c) { latest[c.name] = { change: c, entry: entry }; });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-pending-mark]'), function (tag) {
      var name = tag.getAttribute('data-pending-mark');
      if (latest[name]) return;
      tag.remove();
      var field = pendingField(name);
      if (field) field.removeAttribute('data-pending-value');
      Array.prototype.forEach.call(document.querySelectorAll('[data-shows="' + name + '"]'), function (shows) {
        shows.classList.remove('pending');
      });
    });
    Object.keys(latest).forEach(function (name) { showPending(name, latest[name].change, latest[name].entry); });
  }

  function pendingField(name) {
    return name === 'stage' ? document.querySelector('form.stages')
      : document.querySelector('form.editor [name="' + CSS.escape(name) + '"]');
  }

  function showPending(name, change, entry) {
    var field = pendingField(name);
    if (!field) return;
    if (field.getAttribute('data-pending-value') !== change.value) {
      // Once per change: what the rep types afterwards is not overwritten.
      field.setAttribute('data-pending-value', change.value);
      if (name === 'stage') pressStage(field, change.value);
      else setDefault(field, change.value);
      Array.prototype.forEach.call(document.querySelectorAll('[data-shows="' + name + '"]'), function (shows) {
        shows.textContent = change.now;
        shows.classList.add('pending');
      });
    }
    var id = 'pending-' + name;
    var tag = document.getElementById(id);
    if (!tag) {
      tag = el('span', 'tag pending');
      tag.id = id;
      tag.setAttribute('data-pending-mark', name);
      field.after(tag);
      if (name !== 'stage') {
        field.setAttribute('aria-describedby', ((field.getAttribute('aria-describedby') || '') + ' ' + id).trim());
      }
    }
    var waiting = entry.state === 'pending' || entry.state === 'sending';
    tag.classList.toggle('warn', !waiting);
    tag.setAttribute('data-state', entry.state);
    tag.textContent = waiting ? 'waiting to sync' : STATE_LABELS[entry.state] || entry.state;
  }

  function pressStage(form, stage) {
    Array.prototype.forEach.call(form.querySelectorAll('button[name="stage"]'), function (button) {
      var on = button.value === stage;
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.classList.toggle('primary', on);
      if (on) button.setAttribute('data-pending', ''); else button.removeAttribute('data-pending');
    });
  }

  // The pending value becomes the field's own: a later edit is described from it.
  function setDefault(field, value) {
    if (field.tagName === 'SELECT') {
      Array.prototype.forEach.call(field.options, function (option) { option.defaultSelected = option.value === value; });
    } else {
      field.defaultValue = value;
    }
    field.value = value;
  }

  function renderPendingList(entries, status) {
    var list = document.getElementById('outbox-list');
    if (!list) return;
    var summary = document.getElementById('outbox-summary');
    if (summary) {
      var text = entries.length
        ? entries.length + (entries.length === 1 ? ' change waits' : ' changes wait') + ' on this phone.'
        : 'Everything is synced.';
      if (entries.length && status.state === 'signin') text += ' Sign in to send them.';
      else if (entries.length && status.state === 'offline') text += ' They will be sent when you are back online.';
      else if (entries.length && status.state === 'retry' && status.retryAt) {
        text += ' Trying again at ' + when(status.retryAt).split(', ').pop() + '.';
      }
      summary.textContent = text;
      var signin = document.getElementById('outbox-signin');
      if (signin) signin.hidden = !(entries.length && status.state === 'signin');
    }
    var cards = {};
    Array.prototype.forEach.call(list.querySelectorAll('[data-outbox-entry]'), function (card) {
      cards[card.getAttribute('data-outbox-entry')] = card;
    });
    entries.forEach(function (entry) {
      var card = cards[entry.id];
      delete cards[entry.id];
      if (!card) {
        card = el('article', 'card pending');
        card.id = 'entry-' + entry.id;
        card.setAttribute('data-outbox-entry', entry.id);
        card.appendChild(el('h2', '', (entry.subject || KIND_LABELS[entry.kind] || 'Change')
          + (entry.accountName ? ' · ' + entry.accountName : '')));
        card.appendChild(el('p', 'summary', entry.summary));
        card.appendChild(el('p', 'muted meta'));
        list.appendChild(card);
      }
      var meta = card.querySelector('.meta');
      meta.replaceChildren(stateTag(entry), document.createTextNode(
        ' Saved ' + when(entry.createdAt)
        + (entry.attempts ? ' · ' + entry.attempts + (entry.attempts === 1 ? ' attempt' : ' attempts') : '')
        + (entry.lastError ? ' · ' + entry.lastError : '')));
      var needsRep = entry.state === 'needs-attention' || entry.state === 'conflict';
      if (needsRep && card.getAttribute('data-screen') !== entry.state + (entry.attempts || 0)) {
        // Rendered once per answer, so what the rep is typing is never re-rendered away.
        card.setAttribute('data-screen', entry.state + (entry.attempts || 0));
        var old = card.querySelector('.screen');
        if (old) old.remove();
        var holder = el('div', 'screen');
        var screen = parseScreen(entry);
        Array.prototype.slice.call(screen.childNodes).forEach(function (node) {
          holder.appendChild(document.importNode(node, true));
        });
        var discard = el('button', 'button danger', 'Discard this change');
        discard.type = 'button';
        discard.setAttribute('data-outbox-discard', entry.id);
        holder.appendChild(discard);
        card.appendChild(holder);
        if (window.htmx) window.htmx.process(holder);
        guardLengths(holder);
      } else if (!needsRep) {
        var stale = card.querySelector('.screen');
        if (stale) { stale.remove(); card.removeAttribute('data-screen'); }
      }
    });
    Object.keys(cards).forEach(function (id) { cards[id].remove(); });
  }

  var scheduled = false;
  // While this page replays, the outbox changes with every write: redraw a few times a
  // second, not once per write.
  var REPLAY_REDRAW_MS = 250;
  function refresh() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(function () {
      scheduled = false;
      Promise.all([Outbox.all(), Outbox.status()]).then(function (both) {
        var entries = mine(both[0]);
        renderBadge(entries, both[1]);
        renderAccountPage(entries);
        renderOpportunityPage(entries);
        renderPendingList(entries, both[1]);
        document.documentElement.setAttribute('data-outbox-ready', '');
      });
    }, Outbox.isReplaying() ? REPLAY_REDRAW_MS : 0);
  }

  // ---- triggers ----------------------------------------------------------------------------

  function sync(force) {
    return Outbox.count().then(function (n) {
      if (!n) return null;
      return Outbox.replay({ force: !!force }).then(function (outcome) {
        clearTimeout(retryTimer);
        if (outcome && outcome.status === 'retry' && outcome.retryAt) {
          retryTimer = setTimeout(sync, Math.max(1000, outcome.retryAt - Date.now()));
        }
        return outcome;
      });
    });
  }

  document.addEventListener('click', function (event) {
    var target = event.target.closest && event.target.closest('[data-sync-now], [data-outbox-discard]');
    if (!target) return;
    event.preventDefault();
    if (target.hasAttribute('data-sync-now')) {
      target.disabled = true;
      sync(true).then(function () { target.disabled = false; refresh(); });
    } else if (window.confirm('Discard this change? It has not reached the server and will be lost.')) {
      Outbox.discard(target.getAttribute('data-outbox-discard'));
    }
  });

  window.addEventListener('online', function () { sync(true); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') sync(false);
  });
  badgeFromMirror();
  document.addEventListener('htmx:load', function (event) { prepareAll(event.target); });
  prepareAll(document);
  Outbox.subscribe(refresh);
  refresh();
  if (user) sync(false);
})();
