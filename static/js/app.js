/* Groundwork page glue: writes go through the outbox (service_worker/outbox.js), pending writes
 * show where the rep looks for them, and a badge in the header counts what is not yet synced.
 *
 * Outbox-first: a form marked data-outbox is never posted by the browser itself. The write is
 * stored in IndexedDB, then replayed at once when online. A connection that drops mid-request
 * therefore loses nothing (the entry is still there, and its client UUID makes the retry
 * harmless), and the same code path serves online and offline. Without JavaScript or
 * IndexedDB the forms post as plain forms. */
(function () {
  'use strict';

  var Outbox = window.GroundworkOutbox;
  if (!Outbox || !window.indexedDB || !document.body) return;

  var user = document.body.getAttribute('data-user') || '';
  var KIND_LABELS = { meeting: 'Meeting', note: 'Note', opportunity: 'Opportunity update',
    // field capture (static/js/capture.js)
    account: 'New account', contact: 'Contact', new_opportunity: 'New opportunity' };
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
    queue(form, event.submitter || null);
  }, true);

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
      if (!el.name || labels[el.name]) return;
      var label = el.labels && el.labels[0];
      if (!label && el.closest) {
        var fieldset = el.closest('fieldset');
        label = fieldset && fieldset.querySelector('legend');
      }
      if (label) labels[el.name] = label.textContent.trim().replace(/\s+/g, ' ');
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

  function summaryOf(kind, fields, labels) {
    var values = {};
    fields.forEach(function (pair) { values[pair[0]] = pair[1]; });
    if (kind === 'meeting') return values.notes || 'Meeting';
    if (kind === 'note') return values.body || 'Note';
    var parts = [];
    fields.forEach(function (pair) {
      if (SKIP_FIELDS[pair[0]] || !labels[pair[0]] || pair[1] === '') return;
      parts.push(labels[pair[0]] + ': ' + pair[1]);
    });
    return parts.join(' · ') || KIND_LABELS[kind] || 'Change';
  }

  function capture(form, submitter) {
    var action = new URL(form.getAttribute('action') || location.href, location.href);
    var fields = [];
    formData(form, submitter).forEach(function (value, name) {
      if (typeof value === 'string') fields.push([name, value]);
    });
    // A fresh UUID for every submission: the form's own hidden client_id may come from a
    // cached copy of the page and been used before.
    var id = Outbox.newId();
    fields = fields.filter(function (pair) { return pair[0] !== 'client_id'; });
    fields.push(['client_id', id]);
    var kind = kindOf(form, action.pathname);
    var labels = labelsOf(form);
    var account = accountOf(form, fields);
    return {
      id: id, kind: kind, action: action.pathname + action.search, fields: fields,
      labels: labels, accountId: account.id, accountName: account.name, userId: user,
      summary: summaryOf(kind, fields, labels).slice(0, 200), from: location.pathname + location.search,
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
      Outbox.requestSync();
      if (!navigator.onLine) return null;
      return Promise.race([Outbox.replay(), wait(ONLINE_WAIT)]);
    }).then(function (outcome) {
      var result = outcome && outcome.results && outcome.results[entry.id];
      if (result && result.state === 'confirmed') {
        location.assign(destination);
        return null;
      }
      if (result && (result.state === 'needs-attention' || result.state === 'conflict')) {
        return Outbox.get(entry.id).then(function (stored) { showInPlace(stored); });
      }
      return leaveFor(destination, form);
    }).catch(function (err) {
      busy(form, false);
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

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Offline, only go where the service worker has a copy; otherwise stay and say so.
  function leaveFor(url, form) {
    var available = navigator.onLine || !window.caches ? Promise.resolve(true)
      : caches.match(url, { ignoreVary: true }).then(function (hit) { return !!hit; }, function () { return false; });
    return available.then(function (ok) {
      if (ok) { location.assign(url); return; }
      busy(form, false);
      form.reset();
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
    form.setAttribute('data-outbox-replaces', entry.id);
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
    main.focus();
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
    return isNaN(date) ? '' : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  }

  function stateTag(entry) {
    var attention = entry.state === 'needs-attention' || entry.state === 'conflict';
    var tag = el('span', 'tag' + (attention ? ' warn' : ''), STATE_LABELS[entry.state] || entry.state);
    tag.setAttribute('data-state', entry.state);
    return tag;
  }

  function renderBadge(entries, status) {
    var badge = document.getElementById('sync-status');
    if (!badge) return;
    var count = entries.length;
    var attention = entries.filter(function (e) { return e.state === 'needs-attention' || e.state === 'conflict'; }).length;
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
  function renderOpportunityPage(entries) {
    if (!/^\/opportunities\/\d+$/.test(location.pathname)) return;
    var main = document.getElementById('main');
    var box = document.getElementById('outbox-opportunity');
    var mineHere = entries.filter(function (e) { return e.kind === 'opportunity' && e.action === location.pathname; });
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
        text += ' Trying again at ' + new Date(status.retryAt).toLocaleTimeString([], { timeStyle: 'short' }) + '.';
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
        card.appendChild(el('h2', '', (KIND_LABELS[entry.kind] || 'Change')
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
        var discard = el('button', 'link', 'Discard this change');
        discard.type = 'button';
        discard.setAttribute('data-outbox-discard', entry.id);
        holder.appendChild(discard);
        card.appendChild(holder);
        if (window.htmx) window.htmx.process(holder);
      } else if (!needsRep) {
        var stale = card.querySelector('.screen');
        if (stale) { stale.remove(); card.removeAttribute('data-screen'); }
      }
    });
    Object.keys(cards).forEach(function (id) { cards[id].remove(); });
  }

  var scheduled = false;
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
    }, 0);
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
  Outbox.subscribe(refresh);
  refresh();
  if (user) sync(false);
})();
