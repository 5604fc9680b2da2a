/* Groundwork field capture: new accounts, contacts and deals, online and offline.
 *
 * A form that makes a record (data-capture) carries the record's own id (a UUID in the
 * input marked data-record-id), made here on the phone, so the writes queued after it can
 * name it before it reaches the server: the outbox replays them in order and the server
 * resolves the id within what the rep may see. This file
 *  - gives each freshly loaded capture form a new record id (a page restored by Back keeps
 *    its id, so saving it again is a replay, not a second record);
 *  - offers accounts still waiting in the outbox in every account picker (select
 *    name=account_id) and fills one in from ?account_id=;
 *  - shows a just-made account from the outbox on /accounts/pending#<id> (offline) with what
 *    can be added to it, and pending contacts and deals on an account's page;
 *  - offline, offers accounts of the same name from the saved territory, and people with the
 *    same e-mail from the account's saved page, before queueing a new one;
 *  - "Did you mean …?" links drop the queued write they answer.
 * It needs the page's outbox code (window.Groundwork, static/js/page.js) and changes nothing in it. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const { Outbox, path, idIn } = GW;
  const user = document.body.getAttribute('data-user') || '';
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const PENDING_URL = path('accountPending');
  const DEAL_PENDING_URL = path('dealPending');
  const INDEX_URL = path('accountsIndex');
  const LEGAL = ('inc incorporated corp corporation co company ltd limited llc llp lp plc gmbh ag sa sas ' +
    'sarl bv nv oy ab as spa srl pty group holding holdings the and').split(' ');

  function valuesOf(entry) {
    const values = {};
    (entry.fields || []).forEach(pair => { if (!(pair[0] in values)) values[pair[0]] = pair[1]; });
    return values;
  }

  function mine(entries) {
    return entries.filter(e => !e.userId || !user || e.userId === user);
  }

  function pendingAccounts(entries) {
    return mine(entries).filter(e => e.kind === 'account').map(e => {
      const v = valuesOf(e);
      return { entry: e, id: v.uuid, name: v.name || 'New account', city: v.city || '' };
    }).filter(a => UUID.test(a.id || ''));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pendingTag() {
    const tag = el('span', 'tag', 'pending');
    tag.setAttribute('data-state', 'pending');
    return tag;
  }

  // The id in the fragment: the phone keeps one copy of the page for every such account (a
  // cache lookup ignores the fragment), and the page reads the id from it.
  function pendingPage(id) { return PENDING_URL + '#' + encodeURIComponent(id); }
  function pendingDealPage(id) { return DEAL_PENDING_URL + '#' + encodeURIComponent(id); }

  // ---- a fresh record id per freshly loaded form -------------------------------------------

  Array.prototype.forEach.call(document.querySelectorAll('form[data-capture] input[data-record-id]'),
    input => { input.value = Outbox.newId(); });

  // ---- before the outbox takes a capture form ------------------------------------------------

  // Window, capture phase: runs before form_capture.js's listener on the document.
  // The form's account field: a select or hidden input, or the chosen radio of the meeting
  // form's account choices (the first radio is not necessarily the chosen one).
  function accountField(form) {
    return form.querySelector('input[type=radio][name="account_id"]:checked') ||
      form.querySelector('select[name="account_id"], input[name="account_id"]:not([type=radio])');
  }

  window.addEventListener('submit', event => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-outbox')) return;
    const account = accountField(form);
    const record = form.querySelector('input[name="uuid"]');
    const then = form.querySelector('input[name="then"]');
    const offline = !navigator.onLine && !(event.submitter && event.submitter.name) &&
      !form.hasAttribute('data-duplicates-checked');
    if (offline && form.getAttribute('data-capture') === 'contact') {
      event.preventDefault();
      event.stopImmediatePropagation();
      offlineContactDuplicates(form);
      return;
    }
    if (then && then.value === 'meeting' && account && account.value) {
      // Added from the meeting form: back to it, for this account, where what was typed there
      // waits (drafts.js keeps it under that address); offline, the one saved copy of the form
      // takes the account's parts. An account made on this phone is named after the # (the
      // server does not know it yet).
      // The person or deal made is named after the # too, so that form ticks or chooses it.
      const known = /^\d+$/.test(account.value);
      const deal = form.getAttribute('data-capture') === 'opportunity';
      const made = deal ? form.getAttribute('data-client-id') : record && record.value;
      form.setAttribute('data-outbox-next', then.getAttribute('data-url') + (known ? '?' : '#') +
        'account_id=' + encodeURIComponent(account.value) + (known ? '#' : '&') +
        (deal ? 'deal=' : 'contact=') + encodeURIComponent(made || ''));
    } else if (form.getAttribute('data-capture') === 'account' && record) {
      form.setAttribute('data-outbox-next', pendingPage(record.value));
      if (offline) {
        event.preventDefault();
        event.stopImmediatePropagation();
        offlineDuplicates(form);
      }
    } else if (account && UUID.test(account.value)) {
      // An account still on this phone: back to its pending page, not /accounts/<uuid>.
      form.setAttribute('data-outbox-next', pendingPage(account.value));
      if (account.tagName === 'SELECT' && account.selectedOptions[0]) {
        form.setAttribute('data-account-name', account.selectedOptions[0].textContent.replace(/ \(on this phone\)$/, ''));
      }
    }
  }, true);

  // ---- offline: same company already in the saved territory? ------------------------------------

  function companyKey(name) {
    const words = (name || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/&/g, ' and ').split(/[^a-z0-9]+/).filter(Boolean);
    const kept = words.filter(w => LEGAL.indexOf(w) < 0);
    return (kept.length ? kept : words).join(' ');
  }

  // The saved copy of `url` read by `read` (its JSON or text), or `fallback` when none is kept.
  async function savedCopy(url, read, fallback) {
    try {
      const hit = await caches.match(url, { ignoreVary: true });
      return hit ? await read(hit) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  async function offlineDuplicates(form) {
    const name = (form.querySelector('[name="name"]') || {}).value || '';
    const key = companyKey(name);
    // The territory index the briefcase keeps: the whole territory, not the list's first page.
    const lookup = key && window.caches ? savedCopy(INDEX_URL, hit => hit.json(), null) : null;
    const [saved, entries] = await Promise.all([lookup, Outbox.all()]);
    const found = [];
    const index = saved || { rows: [] };
    (index.rows || []).forEach(row => {
      if (companyKey(row[1]) === key) {
        found.push({ href: index.detail + row[0], name: row[1],
          detail: [row[2], row[3]].filter(Boolean).join(' · ') });
      }
    });
    pendingAccounts(entries).forEach(p => {
      if (companyKey(p.name) === key) found.push({ href: pendingPage(p.id), name: p.name, detail: 'on this phone' });
    });
    form.setAttribute('data-duplicates-checked', '');
    if (!found.length) { form.requestSubmit(); return; }
    offer(form, found);
  }

  // A person with the same e-mail at this account (its saved page) or made on this phone.
  async function offlineContactDuplicates(form) {
    const email = ((form.querySelector('[name="email"]') || {}).value || '').trim().toLowerCase();
    const account = (form.querySelector('[name="account_id"]') || {}).value || '';
    const page = email && /^\d+$/.test(account) && window.caches
      ? savedCopy(path('account', account), hit => hit.text(), '') : '';
    const [html, entries] = await Promise.all([page, Outbox.all()]);
    const found = [];
    if (email) {
      const doc = new DOMParser().parseFromString(html || '', 'text/html');
      Array.prototype.forEach.call(doc.querySelectorAll('a[data-contact-edit]'), a => {
        if ((a.getAttribute('data-email') || '').trim().toLowerCase() === email) {
          found.push({ href: path('account', account) + '#contacts', name: a.getAttribute('data-name'),
            detail: [a.getAttribute('data-title'), a.getAttribute('data-email')].filter(Boolean).join(' · ') });
        }
      });
      mine(entries).forEach(e => {
        const v = valuesOf(e);
        if (e.kind === 'contact' && (v.email || '').trim().toLowerCase() === email) {
          found.push({ href: path('syncPending') + '#entry-' + e.id, name: v.name, detail: v.email + ' · on this phone' });
        }
      });
    }
    form.setAttribute('data-duplicates-checked', '');
    if (!found.length) { form.requestSubmit(); return; }
    offer(form, found);
  }

  function offer(form, found) {
    const old = document.getElementById('did-you-mean');
    if (old) old.remove();
    const box = el('section', 'card warn-box');
    box.id = 'did-you-mean';
    box.tabIndex = -1;
    box.appendChild(el('h2', '', 'Did you mean…?'));
    const list = el('ul', 'list');
    found.slice(0, 5).forEach(f => {
      const li = el('li');
      const a = el('a', 'item');
      a.href = f.href;
      a.appendChild(el('b', '', f.name));
      if (f.detail) a.appendChild(el('small', '', f.detail));
      li.appendChild(a);
      list.appendChild(li);
    });
    box.appendChild(list);
    box.appendChild(el('p', 'muted', 'Nothing is saved yet. If this is someone or something new, use “Create anyway”.'));
    form.parentNode.insertBefore(box, form);
    const submit = form.querySelector('button[type=submit]');
    if (submit) { submit.name = 'create_anyway'; submit.value = 'y'; submit.textContent = 'Create anyway'; }
    box.focus();
  }

  // ---- "Did you mean …?": taking an existing record drops the queued write ---------------------

  // ... and the writes queued after it that name the record it would have made (a contact
  // at the new account, a meeting with the new contact) name the existing one instead, and
  // go (again: the server had answered them "not arrived yet").
  function existingRef(kind, href) {
    const url = new URL(href, location.href);
    const match = kind === 'contact' ? url.hash.match(/^#contact-(\d+)$/) : null;
    if (kind === 'contact') return match ? match[1] : '';
    return idIn('account', url.pathname) || '';
  }

  async function follow(oldRef, newRef) {
    if (!UUID.test(oldRef || '') || !newRef) return;
    const entries = await Outbox.all();
    await Promise.all(mine(entries).map(async e => {
      let named = false;
      const fields = (e.fields || []).map(pair => {
        if (pair[1] !== oldRef || pair[0] === 'uuid' || pair[0] === 'client_id') return pair;
        named = true;
        return [pair[0], newRef];
      });
      if (!named) return null;
      const patch = { fields };
      if (e.accountId === oldRef) patch.accountId = newRef;
      if (e.state === 'needs-attention') {
        Object.assign(patch, { state: 'pending', attempts: 0, nextAttemptAt: 0, lastError: '', screen: '' });
      } else if (e.nextAttemptAt) {
        // Waiting out a retry (its last try timed out): it names another record now, and the
        // rep has just acted on it, so it goes with the next replay, not minutes later.
        patch.nextAttemptAt = 0;
      }
      try {
        await Outbox.update(e.id, patch);
      } catch (error) { /* sent meanwhile */ }
      return null;
    }));
  }

  document.addEventListener('click', async event => {
    const link = event.target.closest && event.target.closest('a[data-use-existing]');
    if (!link) return;
    const scope = link.closest('.screen') || document.getElementById('main');
    const form = scope && scope.querySelector('form[data-outbox-replaces]');
    if (!form) return;
    event.preventDefault();
    const id = form.getAttribute('data-outbox-replaces');
    const entry = await Outbox.get(id);
    await Outbox.discard(id);
    if (entry) await follow(valuesOf(entry).uuid, existingRef(entry.kind, link.href));
    Outbox.requestSync();
    location.assign(link.href);
  });

  // ---- editing a contact offline --------------------------------------------------------------

  // The phone keeps one copy of the edit form (/contacts/edit); offline, an Edit link on an
  // account page opens it with the contact's details in the fragment.
  const EDIT_SHELL = path('contactEditShell');
  document.addEventListener('click', event => {
    const link = event.target.closest && event.target.closest('a[data-contact-edit]');
    if (!link || navigator.onLine) return;
    event.preventDefault();
    const account = idIn('account', location.pathname);
    const details = new URLSearchParams({ id: link.getAttribute('data-contact-edit'),
      account: account || '', account_name: (document.querySelector('main h1') || {}).textContent || '' });
    ['name', 'title', 'phone', 'email', 'version'].forEach(name => {
      details.set(name, link.getAttribute('data-' + name) || '');
    });
    location.assign(EDIT_SHELL + '#' + details.toString());
  });

  function fillEditShell() {
    const form = document.querySelector('form[data-contact-shell]');
    if (!form) return;
    const details = new URLSearchParams(location.hash.slice(1));
    const id = details.get('id') || '';
    if (!/^\d+$/.test(id)) return;
    form.setAttribute('action', path('contact', id));
    if (details.get('account')) {
      form.setAttribute('data-account-id', details.get('account'));
      form.setAttribute('data-outbox-next', path('account', details.get('account')));
    }
    if (details.get('account_name')) form.setAttribute('data-account-name', details.get('account_name').trim());
    // The version and the details this copy shows: the server merges the edit with changes
    // made since (a colleague's, or this rep's own still queued).
    const version = form.querySelector('[name="version"]');
    if (version && /^\d+$/.test(details.get('version') || '')) version.value = details.get('version');
    ['name', 'title', 'phone', 'email'].forEach(name => {
      const input = form.querySelector('[name="' + name + '"]');
      if (input && !input.value) input.value = details.get(name) || '';
      const base = form.querySelector('[name="base_' + name + '"]');
      if (base) base.value = details.get(name) || '';
    });
  }
  fillEditShell();

  // Online, "Did you mean …?" answers the form in place: the write waits in the outbox for the
  // rep's choice. Leaving the page without choosing abandons it (nothing was saved, the page
  // said so), so it must not stay behind as an unsynced change. (On the list of pending
  // changes, where an offline write's answer is shown, it stays.)
  // The discard may not finish before the page is gone, so the next page finishes it (and
  // so updates its own count of unsynced changes).
  const ABANDONED = 'groundwork-capture-abandoned';
  window.addEventListener('pagehide', () => {
    const box = document.querySelector('#main #did-you-mean');
    const form = document.querySelector('#main form[data-capture][data-outbox-replaces]');
    if (!box || !form || box.closest('.screen') || form.getAttribute('aria-busy') === 'true') return;
    const id = form.getAttribute('data-outbox-replaces');
    try { sessionStorage.setItem(ABANDONED, id); } catch (err) { /* private mode: best effort */ }
    Outbox.discard(id);
  });
  try {
    const abandoned = sessionStorage.getItem(ABANDONED);
    if (abandoned) {
      sessionStorage.removeItem(ABANDONED);
      Outbox.discard(abandoned);
    }
  } catch (err) { /* no sessionStorage: the pagehide discard alone */ }

  // ---- pending accounts in every account picker -----------------------------------------------

  function offerInPickers(accounts) {
    const wanted = new URLSearchParams(location.search).get('account_id') ||
      new URLSearchParams(location.hash.slice(1)).get('account_id') || '';
    offerInChoices(accounts, wanted);
    Array.prototype.forEach.call(document.querySelectorAll('main select[name="account_id"]'), select => {
      let group = select.querySelector('optgroup[data-pending-accounts]');
      if (!accounts.length) {
        if (group) group.remove();
        choose(select, wanted);
        return;
      }
      if (!group) {
        group = el('optgroup');
        group.label = 'Made on this phone';
        group.setAttribute('data-pending-accounts', '');
        const first = select.querySelector('optgroup, option:not([value=""])');
        select.insertBefore(group, first);
      }
      const chosen = select.value;
      group.replaceChildren();
      accounts.forEach(a => {
        const option = el('option', '', a.name + (a.city ? ' · ' + a.city : '') + ' (on this phone)');
        option.value = a.id;
        group.appendChild(option);
      });
      if (chosen) select.value = chosen; else choose(select, wanted);
    });
  }

  // The meeting form's account choices (radios, meetings.js): accounts made on this phone are
  // offered first, and the one asked for in the address (Log meeting on a pending account's
  // page) is chosen, which loads its people (pending ones are added below).
  function offerInChoices(accounts, wanted) {
    const box = document.querySelector('main #account-choices');
    if (!box) return;
    const legend = box.querySelector('legend');
    accounts.slice().reverse().forEach(a => {
      if (box.querySelector('input[name="account_id"][value="' + CSS.escape(a.id) + '"]')) return;
      const label = el('label');
      label.setAttribute('data-pending-choice', '');
      const input = el('input');
      input.type = 'radio';
      input.name = 'account_id';
      input.value = a.id;
      input.required = true;
      label.appendChild(input);
      label.appendChild(el('span', '', a.name + (a.city ? ' · ' + a.city : '') + ' (on this phone)'));
      if (legend) legend.after(label); else box.prepend(label);
    });
    if (!wanted || !UUID.test(wanted) || box.querySelector('input[name="account_id"]:checked')) return;
    const offered = box.querySelector('input[name="account_id"][value="' + CSS.escape(wanted) + '"]');
    if (!offered || box.hasAttribute('data-capture-chose')) return;
    box.setAttribute('data-capture-chose', '');
    offered.checked = true;
    offered.dispatchEvent(new Event('change', { bubbles: true }));
  }

  // The account asked for in the address, when the picker has it and nothing is chosen yet.
  function choose(select, wanted) {
    if (select.value || !wanted || select.hasAttribute('data-capture-chose')) return;
    if (!Array.prototype.some.call(select.options, o => o.value === wanted)) return;
    select.setAttribute('data-capture-chose', '');
    select.value = wanted;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }

  // ---- the meeting form: people added on this phone can be ticked as there ---------------------

  function pendingContactsFor(entries, accountId) {
    return entriesFor(entries, 'contact', accountId).map(e => {
      const v = valuesOf(e);
      return { id: v.uuid, name: v.name || 'New contact' };
    }).filter(c => UUID.test(c.id || ''));
  }

  let latest = [];
  // The meeting form, for the account it is for: people and deals made on this phone, "Add
  // someone new", and the person or deal just made from it ticked or chosen.
  function offerOnMeetingForm() {
    const box = document.getElementById('meeting-contacts');
    const form = box && box.closest('form');
    if (!form) return;
    const account = accountField(form);
    const people = account && account.value ? pendingContactsFor(latest, account.value) : [];
    offerAddContact(box, account && account.value);
    const missing = people.filter(c => !box.querySelector('input[name="contact_ids"][value="' + CSS.escape(c.id) + '"]'));
    if (missing.length) listPending(box, missing);
    tickAdded(box);
    offerPendingDeals(form, account && account.value);
  }

  function listPending(box, missing) {
    let chips = box.querySelector('fieldset.chips');
    if (!chips) {
      chips = el('fieldset', 'chips');
      chips.appendChild(el('legend', '', 'Who was there'));
      box.appendChild(chips);
    }
    missing.forEach(c => {
      const label = el('label');
      const input = el('input');
      input.type = 'checkbox';
      input.name = 'contact_ids';
      input.value = c.id;
      label.appendChild(input);
      label.appendChild(el('span', '', c.name));
      chips.appendChild(label);
    });
  }

  // Someone just added from this form ("Add someone new", #contact=<their id>) was there: ticked
  // as their name appears (again, if the account's people are drawn anew), until the rep
  // unticks them. The server lists a person with their client id (data-uuid); the phone lists
  // one still on it by that id.
  const added = new URLSearchParams(location.hash.slice(1)).get('contact') || '';
  let addedDeclined = !UUID.test(added);
  function tickAdded(box) {
    if (addedDeclined) return;
    const id = CSS.escape(added);
    const input = box.querySelector('input[name="contact_ids"][value="' + id + '"], input[name="contact_ids"][data-uuid="' + id + '"]');
    if (!input || input.hasAttribute('data-added-ticked')) return;
    input.setAttribute('data-added-ticked', '');
    if (input.checked) return;
    input.checked = true;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }
  document.addEventListener('change', event => {
    const input = event.target;
    if (event.isTrusted && input.name === 'contact_ids' && !input.checked &&
        (input.value === added || input.getAttribute('data-uuid') === added)) addedDeclined = true;
  });

  // Deals made on this phone for the account, in "About the opportunity" (by their client id,
  // which the server resolves once the deal has reached it); the one just made from this form
  // (#deal=<its id>) chosen, until the rep chooses otherwise.
  const addedDeal = new URLSearchParams(location.hash.slice(1)).get('deal') || '';
  let dealDeclined = !UUID.test(addedDeal);
  function offerPendingDeals(form, accountId) {
    const about = document.getElementById('meeting-about');
    if (!about || !form.contains(about)) return;
    const deals = accountId ? entriesFor(latest, 'new_opportunity', accountId)
      .map(e => ({ id: e.id, name: valuesOf(e).name || 'New opportunity' })).filter(d => UUID.test(d.id)) : [];
    let select = about.querySelector('select[name="opportunity_id"]');
    const missing = deals.filter(d => !select || !select.querySelector('option[value="' + CSS.escape(d.id) + '"]'));
    if (missing.length && !select) select = dealField(about);
    missing.forEach(d => {
      const option = el('option', '', d.name + ' (on this phone)');
      option.value = d.id;
      select.appendChild(option);
    });
    chooseAddedDeal(select);
  }

  function dealField(about) {
    const field = el('div', 'field');
    const label = el('label', '', 'About the opportunity');
    label.htmlFor = 'opportunity_id';
    const select = el('select');
    select.id = 'opportunity_id';
    select.name = 'opportunity_id';
    const none = el('option', '', 'None');
    none.value = '';
    select.appendChild(none);
    field.appendChild(label);
    field.appendChild(select);
    const link = about.querySelector('[data-new-deal]');
    about.insertBefore(field, link ? link.closest('p') || link : null);
    return select;
  }

  function chooseAddedDeal(select) {
    if (dealDeclined || !select || select.hasAttribute('data-added-chosen')) return;
    const id = CSS.escape(addedDeal);
    const option = select.querySelector('option[value="' + id + '"], option[data-uuid="' + id + '"]');
    if (!option) return;
    select.setAttribute('data-added-chosen', '');
    if (select.value === option.value) return;
    select.value = option.value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }
  document.addEventListener('change', event => {
    if (event.isTrusted && event.target.name === 'opportunity_id' && event.target.hasAttribute('data-added-chosen')) {
      dealDeclined = true;
    }
  });

  // "Add someone new": the contact form for this account, which comes back here afterwards.
  function offerAddContact(box, accountId) {
    let link = box.querySelector('a[data-add-contact]');
    const url = document.body.getAttribute('data-contact-url');
    if (!accountId || !url) { if (link) link.remove(); return; }
    const href = url + '?account_id=' + encodeURIComponent(accountId) + '&then=meeting';
    if (link && link.getAttribute('href') === href) return;
    if (link) link.remove();
    link = el('a', 'button add-contact', 'Add someone new');
    link.setAttribute('data-add-contact', '');
    link.href = href;
    box.appendChild(link);
  }

  // The contact form opened from the meeting form goes back there (a saved copy offline has
  // no ?then= of its own).
  const then = document.querySelector('form[data-capture="contact"] input[name="then"]');
  if (then && !then.value) then.value = new URLSearchParams(location.search).get('then') === 'meeting' ? 'meeting' : '';

  const meetingContacts = document.getElementById('meeting-contacts');
  if (meetingContacts && window.MutationObserver) {
    new MutationObserver(offerOnMeetingForm).observe(meetingContacts.closest('form') || meetingContacts,
      { childList: true, subtree: true });
  }

  // ---- /accounts/pending?id=…: an account still on this phone -------------------------------------

  function renderPendingAccount(entries) {
    const holder = document.querySelector('[data-pending-account]');
    if (!holder) return;
    const id = decodeURIComponent(location.hash.slice(1)) || new URLSearchParams(location.search).get('id') || '';
    const account = pendingAccounts(entries).filter(a => a.id === id)[0];
    if (!account && UUID.test(id) && navigator.onLine && !document.body.hasAttribute('data-offline-copy')
        && !new URLSearchParams(location.search).get('id')) {
      // Sent already: the server knows it now and answers with the account's own page.
      location.replace(PENDING_URL + '?id=' + encodeURIComponent(id));
      return;
    }
    let shown = holder.querySelector('[data-pending-shown]');
    holder.querySelector('[data-pending-empty]').hidden = !!account;
    if (!account) { if (shown) shown.remove(); return; }
    if (!shown) {
      shown = el('div');
      shown.setAttribute('data-pending-shown', '');
      holder.appendChild(shown);
    }
    shown.replaceChildren();
    holder.querySelector('h1').textContent = account.name;
    const facts = el('p', 'muted', (account.city ? account.city + ' · ' : '') + 'Saved on this phone, sent when you are online. ');
    facts.appendChild(pendingTag());
    shown.appendChild(facts);
    const state = account.entry.state;
    if (state === 'needs-attention' || state === 'conflict') {
      // E.g. the server asks "Did you mean …?": the answer is on the list of pending changes.
      const attention = el('p', 'flash');
      attention.setAttribute('role', 'status');
      const link = el('a', '', 'The server needs your answer about this account.');
      link.href = path('syncPending') + '#entry-' + account.entry.id;
      attention.appendChild(link);
      shown.appendChild(attention);
    }
    const actions = el('div', 'actions');
    [['data-contact-url', 'Add contact'], ['data-opportunity-url', 'New opportunity'],
      ['data-meeting-url', 'Log meeting']].forEach(pair => {
      const a = el('a', 'button', pair[1]);
      a.href = holder.getAttribute(pair[0]) + '?account_id=' + encodeURIComponent(id);
      actions.appendChild(a);
    });
    shown.appendChild(actions);
    appendPendingList(shown, 'Contacts', entries, 'contact', id);
    appendPendingList(shown, 'Opportunities', entries, 'new_opportunity', id);
    appendPendingList(shown, 'Meetings', entries, 'meeting', id);
  }

  function entriesFor(entries, kind, accountId) {
    return mine(entries).filter(e => e.kind === kind && valuesOf(e).account_id === String(accountId) && !/^\d+$/.test(idIn('contact', e.action) || ''));
  }

  function appendPendingList(container, title, entries, kind, accountId) {
    const items = entriesFor(entries, kind, accountId);
    if (!items.length) return;
    container.appendChild(el('h2', '', title));
    const list = el('ul', 'list');
    list.setAttribute('data-pending-' + kind, '');
    items.forEach(e => {
      const v = valuesOf(e);
      const li = el('li', 'pending');
      li.setAttribute('data-outbox-entry', e.id);
      const item = el('a', 'item');
      // A deal made here has a page of its own, where it can be changed before it is sent.
      item.href = kind === 'new_opportunity' ? pendingDealPage(e.id) : path('syncPending') + '#entry-' + e.id;
      item.appendChild(el('b', '', v.name || e.summary));
      const small = el('small', '', [v.title, v.email].filter(Boolean).join(' · ') + ' ');
      small.appendChild(pendingTag());
      item.appendChild(small);
      li.appendChild(item);
      list.appendChild(li);
    });
    container.appendChild(list);
  }

  // ---- /opportunities/pending#<id>: a deal still on this phone ------------------------------------

  // The deal's client id is the id of the write that makes it. Its changes go to
  // /opportunities/<client id>: queued after the deal, they replay after it, and the server
  // finds the deal by that id (pending_view.js shows them as pending values, as on any deal's page).
  const dealHolder = document.querySelector('[data-pending-deal]');
  const dealId = dealHolder ? decodeURIComponent(location.hash.slice(1)) : '';
  if (dealHolder && UUID.test(dealId)) {
    dealHolder.querySelector('#opp').setAttribute('data-opportunity-path', path('opportunity', dealId));
    Array.prototype.forEach.call(dealHolder.querySelectorAll('form[data-outbox]'), form => {
      form.setAttribute('action', path('opportunity', dealId));
      form.setAttribute('data-outbox-next', pendingDealPage(dealId));
    });
  }

  // As form_capture.js writes money: the server's format of 0 ("$0") with the amount in its place.
  function moneyText(form, text) {
    const n = Number(String(text || '0').replace(/[$,\s]/g, ''));
    if (!isFinite(n)) return text;
    return (form.getAttribute('data-money-format') || '$0').replace('0',
      n.toLocaleString('en-US', { minimumFractionDigits: n % 1 ? 2 : 0, maximumFractionDigits: 2 }));
  }

  // The value the deal was made with, unless a pending change (pending_view.js) shows a later one.
  function madeWith(field, value, shows) {
    if (!field || field.hasAttribute('data-pending-value')) return;
    field.defaultValue = value;
    field.value = value;
    Array.prototype.forEach.call(document.querySelectorAll('[data-shows="' + field.name + '"]'), node => {
      if (!node.classList.contains('pending')) node.textContent = shows;
    });
  }

  function renderPendingDeal(entries) {
    if (!dealHolder) return;
    const entry = mine(entries).filter(e => e.kind === 'new_opportunity' && e.id === dealId)[0];
    if (!entry && UUID.test(dealId) && navigator.onLine && !document.body.hasAttribute('data-offline-copy')
        && !new URLSearchParams(location.search).get('id')) {
      // Sent already: the server knows it now and answers with the deal's own page.
      location.replace(DEAL_PENDING_URL + '?id=' + encodeURIComponent(dealId));
      return;
    }
    dealHolder.querySelector('[data-pending-empty]').hidden = !!entry;
    Array.prototype.forEach.call(dealHolder.querySelectorAll('[data-pending-shown]'), node => {
      node.hidden = !entry;
    });
    if (!entry) return;
    const v = valuesOf(entry);
    const account = pendingAccounts(entries).filter(a => a.id === v.account_id)[0];
    const accountName = account ? account.name : (entry.accountName || 'Account').replace(/ \(on this phone\)$/, '');
    dealHolder.querySelector('h1').textContent = v.name || 'New opportunity';
    const crumb = dealHolder.querySelector('a[data-deal-account]');
    crumb.textContent = accountName;
    crumb.href = UUID.test(v.account_id || '') ? pendingPage(v.account_id)
      : path('account', v.account_id || '');
    Array.prototype.forEach.call(dealHolder.querySelectorAll('form[data-outbox]'), form => {
      form.setAttribute('data-account-id', v.account_id || '');
      form.setAttribute('data-account-name', accountName);
    });
    if (dealHolder.hasAttribute('data-filled')) return;
    dealHolder.setAttribute('data-filled', '');
    const stages = dealHolder.querySelector('form.stages');
    if (!stages.hasAttribute('data-pending-value')) {
      Array.prototype.forEach.call(stages.querySelectorAll('button[name="stage"]'), button => {
        const on = button.value === (v.stage || 'first_meeting');
        button.setAttribute('aria-pressed', on ? 'true' : 'false');
        button.classList.toggle('primary', on);
      });
    }
    const editor = dealHolder.querySelector('form.editor');
    madeWith(editor.querySelector('[name="amount"]'), v.amount || '0', moneyText(editor, v.amount));
    const closeOn = editor.querySelector('[name="close_on"]');
    madeWith(closeOn, v.close_on || '', v.close_on || '');
  }

  // ---- an account's page: contacts and deals still on this phone -------------------------------

  function renderAccountPage(entries) {
    const accountId = idIn('account', location.pathname);
    if (!accountId || !/^\d+$/.test(accountId)) return;
    [['contacts', 'contact'], ['opportunities', 'new_opportunity']].forEach(pair => {
      const section = document.getElementById(pair[0]);
      if (!section) return;
      const old = section.querySelector('[data-capture-pending]');
      if (old) old.remove();
      const holder = el('div');
      holder.setAttribute('data-capture-pending', '');
      appendPendingList(holder, '', entries, pair[1], accountId);
      const heading = holder.querySelector('h2');
      if (heading) heading.remove();
      if (holder.childNodes.length) section.querySelector('h2').after(holder);
    });
  }

  // ---- pending items say what was made, in the rep's words -------------------------------------

  const CAPTURE_KINDS = { account: true, contact: true, new_opportunity: true };

  function describe(entry, entries) {
    const v = valuesOf(entry);
    let at = '';
    if (v.account_id) {
      const pending = pendingAccounts(entries).filter(a => a.id === v.account_id)[0];
      const name = pending ? pending.name : entry.accountName;
      if (name) at = ' · at ' + name.replace(/ \(on this phone\)$/, '');
    }
    if (entry.kind === 'account') return [v.name, v.city].filter(Boolean).join(' · ');
    if (entry.kind === 'contact') return [v.name, v.title].filter(Boolean).join(', ') + at;
    return (v.name || 'New opportunity') + at;
  }

  // form_capture.js sums a form up from its labelled fields, which here include raw account ids.
  function nameTheCaptures(entries) {
    mine(entries).forEach(async entry => {
      if (!CAPTURE_KINDS[entry.kind] || entry.captureSummary) return;
      try {
        await Outbox.update(entry.id, { summary: describe(entry, entries).slice(0, 200), captureSummary: true });
      } catch (error) { /* sent meanwhile: nothing to rename */ }
    });
  }

  async function refresh() {
    const entries = await Outbox.all();
    latest = entries;
    nameTheCaptures(entries);
    offerInPickers(pendingAccounts(entries));
    offerOnMeetingForm();
    renderPendingAccount(entries);
    renderPendingDeal(entries);
    renderAccountPage(entries);
    document.documentElement.setAttribute('data-capture-ready', '');
  }

  Outbox.subscribe(refresh);
  window.addEventListener('hashchange', refresh);
  refresh();
})();
