/* Pending writes where the rep looks for them: the badge in the header (on every page, at
 * once, even the first one opened after a restart without signal), an account's and a deal's
 * page (the values the rep set, marked as waiting) and the list of pending changes. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const {
    Outbox, user, KIND_LABELS, STATE_LABELS, mine, el, when, stateTag, path, idIn, parseScreen,
    guardLengths,
  } = GW;

  const COUNT_KEY = 'groundwork-outbox-count:' + user;

  function mirrorCount(count, attention) {
    try {
      if (count) localStorage.setItem(COUNT_KEY, JSON.stringify([count, attention]));
      else localStorage.removeItem(COUNT_KEY);
    } catch (err) { /* storage full or off: IndexedDB still answers */ }
  }

  function badgeFromMirror() {
    const badge = document.getElementById('sync-status');
    if (!badge || badge.firstChild) return;
    let mirrored = null;
    try { mirrored = JSON.parse(localStorage.getItem(COUNT_KEY) || 'null'); } catch (err) { return; }
    if (!mirrored || !mirrored[0]) return;
    const entries = [];
    for (let i = 0; i < mirrored[0]; i += 1) entries.push({ state: i < mirrored[1] ? 'conflict' : 'pending' });
    renderBadge(entries, { state: 'idle' }, true);
  }

  function renderBadge(entries, status, provisional) {
    const badge = document.getElementById('sync-status');
    if (!badge) return;
    const count = entries.length;
    const attention = entries.filter(e => e.state === 'needs-attention' || e.state === 'conflict').length;
    if (!provisional) mirrorCount(count, attention);
    badge.replaceChildren();
    if (!count) return;
    let link;
    if (status.state === 'signin') {
      link = el('a', 'signin', 'Sign in to sync');
      link.href = path('login') + '?next=' + encodeURIComponent(location.pathname + location.search);
    } else {
      link = el('a', attention ? 'attention' : '', count + ' unsynced');
      link.href = path('syncPending');
      link.setAttribute('aria-label', count + (count === 1 ? ' change' : ' changes') + ' not yet synced'
        + (attention ? ', ' + attention + ' need your attention' : '') + '. Open the list.');
    }
    link.setAttribute('data-outbox-count', String(count));
    badge.appendChild(link);
  }

  // Pending meetings and notes on their account's page (a cached copy offline), marked pending.
  function renderAccountPage(entries) {
    const accountId = idIn('account', location.pathname);
    if (!accountId || !/^\d+$/.test(accountId)) return;
    const sections = { meeting: 'meetings', note: 'notes', opportunity: 'opportunities' };
    const shown = {};
    Object.keys(sections).forEach(kind => {
      const section = document.getElementById(sections[kind]);
      if (!section) return;
      let list = section.querySelector('ul[data-outbox-pending]');
      const items = entries.filter(e => e.kind === kind && String(e.accountId) === accountId);
      if (!list) {
        if (!items.length) return;
        list = el('ul', 'list');
        list.setAttribute('data-outbox-pending', '');
        const heading = section.querySelector('h2, h3');
        if (heading && heading.parentNode === section) heading.after(list); else section.prepend(list);
      }
      const existing = {};
      Array.prototype.forEach.call(list.children, li => { existing[li.getAttribute('data-outbox-entry')] = li; });
      items.forEach(entry => {
        shown[entry.id] = true;
        let li = existing[entry.id];
        if (!li) {
          li = el('li', 'pending');
          li.setAttribute('data-outbox-entry', entry.id);
          const item = el('a', 'item');
          item.href = path('syncPending') + '#entry-' + entry.id;
          item.appendChild(el('b', '', entry.summary));
          item.appendChild(el('small', 'when', when(entry.createdAt) + ' '));
          li.appendChild(item);
          list.prepend(li);
        }
        const small = li.querySelector('small');
        const old = small.querySelector('.tag');
        if (old) old.remove();
        small.appendChild(stateTag(entry));
      });
      Array.prototype.forEach.call(list.children, li => {
        const id = li.getAttribute('data-outbox-entry');
        if (shown[id] || li.classList.contains('synced')) return;
        // Confirmed while the rep looked at this (maybe cached) page: say so, do not vanish.
        li.classList.remove('pending');
        li.classList.add('synced');
        const tag = li.querySelector('.tag');
        if (tag) { tag.className = 'tag'; tag.textContent = 'saved'; tag.setAttribute('data-state', 'saved'); }
      });
    });
  }

  // A pending update on the opportunity's own page: the page may be an older cached copy.
  // The page names the deal it shows (data-opportunity-path): /opportunities/<id>, or
  // /opportunities/<client id> for a deal made on this phone (capture.js).
  function renderOpportunityPage(entries) {
    const named = document.querySelector('[data-opportunity-path]');
    if (!named) return;
    const here = named.getAttribute('data-opportunity-path');
    const main = document.getElementById('main');
    let box = document.getElementById('outbox-opportunity');
    const mineHere = entries.filter(e => e.kind === 'opportunity' && e.action === here);
    showPendingValues(mineHere);
    if (!mineHere.length) { if (box) box.remove(); return; }
    if (!box) {
      box = el('ul', 'list');
      box.id = 'outbox-opportunity';
      // Under the heading, wherever it sits (a deal made on this phone has it in a wrapper).
      const heading = main.querySelector('h1');
      if (heading) heading.after(box); else main.prepend(box);
    }
    box.replaceChildren();
    mineHere.forEach(entry => {
      const li = el('li', 'pending');
      li.setAttribute('data-outbox-entry', entry.id);
      const item = el('a', 'item');
      item.href = path('syncPending') + '#entry-' + entry.id;
      item.appendChild(el('b', '', entry.summary));
      const small = el('small', '', when(entry.createdAt) + ' ');
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
    const latest = {};
    entries.forEach(entry => {
      (entry.changes || []).forEach(c => { latest[c.name] = { change: c, entry }; });
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-pending-mark]'), tag => {
      const name = tag.getAttribute('data-pending-mark');
      if (latest[name]) return;
      tag.remove();
      const field = pendingField(name);
      if (field) field.removeAttribute('data-pending-value');
      Array.prototype.forEach.call(document.querySelectorAll('[data-shows="' + name + '"]'), shows => {
        shows.classList.remove('pending');
      });
    });
    Object.keys(latest).forEach(name => { showPending(name, latest[name].change, latest[name].entry); });
  }

  function pendingField(name) {
    return name === 'stage' ? document.querySelector('form.stages')
      : document.querySelector('form.editor [name="' + CSS.escape(name) + '"]');
  }

  function showPending(name, change, entry) {
    const field = pendingField(name);
    if (!field) return;
    if (field.getAttribute('data-pending-value') !== change.value) {
      // Once per change: what the rep types afterwards is not overwritten.
      field.setAttribute('data-pending-value', change.value);
      if (name === 'stage') pressStage(field, change.value);
      else setDefault(field, change.value);
      Array.prototype.forEach.call(document.querySelectorAll('[data-shows="' + name + '"]'), shows => {
        shows.textContent = change.now;
        shows.classList.add('pending');
      });
    }
    const id = 'pending-' + name;
    let tag = document.getElementById(id);
    if (!tag) {
      tag = el('span', 'tag pending');
      tag.id = id;
      tag.setAttribute('data-pending-mark', name);
      field.after(tag);
      if (name !== 'stage') {
        field.setAttribute('aria-describedby', ((field.getAttribute('aria-describedby') || '') + ' ' + id).trim());
      }
    }
    const waiting = entry.state === 'pending' || entry.state === 'sending';
    tag.classList.toggle('warn', !waiting);
    tag.setAttribute('data-state', entry.state);
    tag.textContent = waiting ? 'waiting to sync' : STATE_LABELS[entry.state] || entry.state;
  }

  function pressStage(form, stage) {
    Array.prototype.forEach.call(form.querySelectorAll('button[name="stage"]'), button => {
      const on = button.value === stage;
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.classList.toggle('primary', on);
      if (on) button.setAttribute('data-pending', ''); else button.removeAttribute('data-pending');
    });
  }

  // The pending value becomes the field's own: a later edit is described from it.
  function setDefault(field, value) {
    if (field.tagName === 'SELECT') {
      Array.prototype.forEach.call(field.options, option => { option.defaultSelected = option.value === value; });
    } else {
      field.defaultValue = value;
    }
    field.value = value;
  }

  function renderPendingList(entries, status) {
    const list = document.getElementById('outbox-list');
    if (!list) return;
    const summary = document.getElementById('outbox-summary');
    if (summary) {
      let text = entries.length
        ? entries.length + (entries.length === 1 ? ' change waits' : ' changes wait') + ' on this phone.'
        : 'Everything is synced.';
      if (entries.length && status.state === 'signin') text += ' Sign in to send them.';
      else if (entries.length && status.state === 'offline') text += ' They will be sent when you are back online.';
      else if (entries.length && status.state === 'retry' && status.retryAt) {
        text += ' Trying again at ' + when(status.retryAt).split(', ').pop() + '.';
      }
      summary.textContent = text;
      const signin = document.getElementById('outbox-signin');
      if (signin) signin.hidden = !(entries.length && status.state === 'signin');
    }
    const cards = {};
    Array.prototype.forEach.call(list.querySelectorAll('[data-outbox-entry]'), card => {
      cards[card.getAttribute('data-outbox-entry')] = card;
    });
    entries.forEach(entry => {
      let card = cards[entry.id];
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
      const meta = card.querySelector('.meta');
      meta.replaceChildren(stateTag(entry), document.createTextNode(
        ' Saved ' + when(entry.createdAt)
        + (entry.attempts ? ' · ' + entry.attempts + (entry.attempts === 1 ? ' attempt' : ' attempts') : '')
        + (entry.lastError ? ' · ' + entry.lastError : '')));
      const needsRep = entry.state === 'needs-attention' || entry.state === 'conflict';
      if (needsRep && card.getAttribute('data-screen') !== entry.state + (entry.attempts || 0)) {
        // Rendered once per answer, so what the rep is typing is never re-rendered away.
        card.setAttribute('data-screen', entry.state + (entry.attempts || 0));
        const old = card.querySelector('.screen');
        if (old) old.remove();
        const holder = el('div', 'screen');
        const screen = parseScreen(entry);
        Array.prototype.slice.call(screen.childNodes).forEach(node => {
          holder.appendChild(document.importNode(node, true));
        });
        const discard = el('button', 'button danger', 'Discard this change');
        discard.type = 'button';
        discard.setAttribute('data-outbox-discard', entry.id);
        holder.appendChild(discard);
        card.appendChild(holder);
        if (window.htmx) window.htmx.process(holder);
        guardLengths(holder);
      } else if (!needsRep) {
        const stale = card.querySelector('.screen');
        if (stale) { stale.remove(); card.removeAttribute('data-screen'); }
      }
    });
    Object.keys(cards).forEach(id => { cards[id].remove(); });
  }

  let scheduled = false;
  // While this page replays, the outbox changes with every write: redraw a few times a
  // second, not once per write.
  const REPLAY_REDRAW_MS = 250;
  function refresh() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(async () => {
      scheduled = false;
      const [all, status] = await Promise.all([Outbox.all(), Outbox.status()]);
      const entries = mine(all);
      renderBadge(entries, status);
      renderAccountPage(entries);
      renderOpportunityPage(entries);
      renderPendingList(entries, status);
      document.documentElement.setAttribute('data-outbox-ready', '');
    }, Outbox.isReplaying() ? REPLAY_REDRAW_MS : 0);
  }

  Object.assign(GW, { refresh, badgeFromMirror });
})();
