/* Groundwork offline, page side: registers the service worker, offers "Update now", drives the
 * territory briefcase (button, progress, result line, background refresh), marks pages served
 * from the cache as offline copies, lists saved pages on the offline page, and wipes the
 * copies on sign-out. Talks to the worker with messages (service_worker/sw.js); needs nothing
 * from the page's outbox code. Exposes window.GroundworkBriefcase = {wipe(), refresh(), status()}
 * and window.GroundworkAccountParts = {saved(id), use(parts, form, ids)}. */
(() => {
  'use strict';

  const REFRESH_AFTER_MS = 6 * 3600 * 1000;
  const body = document.body;
  const user = body.getAttribute('data-user');
  const sw = navigator.serviceWorker;
  // The app's addresses, from the server (webapp/pwa.py CLIENT_ROUTES); "{id}": a record's id.
  const routes = JSON.parse(body.getAttribute('data-routes') || '{}');
  function path(name, id) { return routes[name].replace('{id}', encodeURIComponent(id || '')); }

  // ---- "Offline copy from <time>" ----------------------------------------------------------

  function formatTime(iso) {
    const when = new Date(iso);
    if (isNaN(when)) return 'earlier';
    const sameDay = when.toDateString() === new Date().toDateString();
    return sameDay
      ? 'today ' + when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : when.toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short',
        hour: '2-digit', minute: '2-digit' });
  }

  function markOfflineCopy() {
    const at = body.getAttribute('data-offline-copy');
    if (at === null) return;
    const note = document.createElement('p');
    note.className = 'offline-copy';
    note.setAttribute('role', 'status');
    note.textContent = 'Offline copy from ' + formatTime(at);
    const main = document.getElementById('main') || body;
    main.insertBefore(note, main.firstChild);
    // One saved form serves every account: take the account (etc.) from the address.
    new URLSearchParams(location.search).forEach((value, name) => {
      const fields = document.querySelectorAll('main form [name="' + CSS.escape(name) + '"]');
      Array.prototype.forEach.call(fields, field => {
        if (field.tagName === 'SELECT') {
          if (Array.prototype.some.call(field.options, o => o.value === value)) {
            field.value = value;
          }
        } else if (field.type !== 'hidden' || !field.value) {
          if (!field.value) field.value = value;
        }
      });
    });
    const form = document.querySelector('main form[data-outbox]');
    if (form && !form.hasAttribute('data-account-name')) fillFromAccountPage(form);
  }

  // What an account's forms show for it, from the account's saved page (its inert
  // <template data-account-parts>, templates/accounts/_form_parts.html): its name and the parts,
  // or null when its page is not on the phone. The log-meeting form's picker uses it offline too.
  async function savedAccountParts(id) {
    try {
      const response = await fetch(path('account', id),
        { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok) return null;
      const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
      const template = doc.querySelector('template[data-account-parts]');
      const h1 = doc.querySelector('main h1');
      if (!template || !h1) return null;
      return { name: h1.textContent.trim(), parts: Array.from(template.content.children) };
    } catch (err) {
      return null;
    }
  }

  // Each part replaces the element of the same id inside `form` (only those named in `ids`, if
  // given); says how many did.
  function useAccountParts(parts, form, ids) {
    let replaced = 0;
    parts.forEach(part => {
      const here = part.id && (!ids || ids.includes(part.id)) && document.getElementById(part.id);
      if (here && form.contains(here)) {
        here.replaceWith(document.importNode(part, true));
        replaced += 1;
      }
    });
    return replaced;
  }
  window.GroundworkAccountParts = { saved: savedAccountParts, use: useAccountParts };

  // The one saved copy of a form opened for an account (?account_id=N) becomes that account's
  // form, as online: the account fixed and named, its people, its open deals, whether this is a
  // first meeting. Decided before any other script runs (the account picker names the form once
  // it picks); a copy saved for one account is left as it is. What the rep changed before the
  // saved page was read is theirs, never replaced under their fingers: another account picked
  // (or searched for) leaves the form as it is; a person ticked keeps that part.
  async function fillFromAccountPage(form) {
    const id = new URLSearchParams(location.search).get('account_id');
    if (!id || !/^\d+$/.test(id)) return;
    const touched = new Set();
    const note = event => {
      for (let el = event.isTrusted ? event.target : null; el && el !== form; el = el.parentElement) {
        if (el.id) touched.add(el.id);
      }
    };
    form.addEventListener('input', note, true);
    form.addEventListener('change', note, true);
    const saved = await savedAccountParts(id);
    form.removeEventListener('input', note, true);
    form.removeEventListener('change', note, true);
    // Not on the phone: the picker offers it from the saved territory.
    if (!saved || touched.has('form-account')) return;
    const replaced = useAccountParts(saved.parts, form,
      saved.parts.map(part => part.id).filter(part => part && !touched.has(part)));
    const field = form.querySelector('[name="account_id"]');
    if (!field || field.value !== id || !saved.name) return;
    form.setAttribute('data-account-id', id);
    form.setAttribute('data-account-name', saved.name);
    const unfiled = form.querySelector('[data-unfiled]');
    if (unfiled) unfiled.remove();
    // A form with no part that names it (a quick note) says it in its heading.
    const heading = document.querySelector('main h1');
    if (!replaced && heading && heading.textContent.indexOf(saved.name) < 0) {
      heading.textContent += ' · ' + saved.name;
    }
  }

  // "Other account" opens the same form with the picker: only the account leaves the query
  // (a contact added from the meeting form still goes back to it, ?then=meeting).
  document.addEventListener('click', event => {
    const link = event.target.closest && event.target.closest('a[data-other-account]');
    if (!link) return;
    const query = new URLSearchParams(location.search);
    query.delete('account_id');
    link.search = '?' + query;
  });

  markOfflineCopy();
  if (!sw) return;

  // ---- talking to the worker ---------------------------------------------------------------

  // Registered once the page has loaded and the main thread is idle: the worker's install
  // (precache) and the briefcase's first fill then never compete with the page's own
  // requests, scripts and first paint. Everything below waits for `ready`.
  function afterLoad() {
    return new Promise(resolve => {
      const idle = () => {
        if (window.requestIdleCallback) window.requestIdleCallback(resolve, { timeout: 1500 });
        else setTimeout(resolve, 0);
      };
      if (document.readyState === 'complete') idle();
      else window.addEventListener('load', idle, { once: true });
    });
  }

  const ready = (async () => {
    try {
      await afterLoad();
      const registration = await sw.register(path('serviceWorker'),
        { scope: path('home'), updateViaCache: 'none' });
      watchForUpdates(registration);
      return await sw.ready;
    } catch (error) {
      console.warn('Groundwork: no service worker', error);
      return null;
    }
  })();

  // A page whose navigation was under way while the worker activated was not yet a client when
  // the worker claimed its clients, so nothing controls it: ask the worker to take it now, so
  // what this page fetches is kept offline too, without a reload.
  (async () => {
    const registration = await ready;
    if (registration && registration.active && !sw.controller) {
      try { await ask({ type: 'claim' }, null, 5000); } catch (error) { /* the next page is */ }
    }
  })();

  /* Send {type, ...} to the active worker; resolves with its final answer. `onProgress` gets
   * intermediate {type: 'progress'} messages. */
  async function ask(message, onProgress, timeoutMs) {
    const registration = await ready;
    if (!registration || !registration.active) throw new Error('No service worker yet.');
    return new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = timeoutMs ? setTimeout(() => { reject(new Error('timeout')); }, timeoutMs) : null;
      channel.port1.onmessage = event => {
        const data = event.data || {};
        if (data.type === 'progress') { if (onProgress) onProgress(data.progress); return; }
        clearTimeout(timer);
        if (data.type === 'error') reject(new Error(data.message)); else resolve(data);
      };
      registration.active.postMessage(message, [channel.port2]);
    });
  }

  // ---- update: a new worker waits until the rep says so -------------------------------------

  let updateRequested = false;

  function watchForUpdates(registration) {
    if (registration.waiting && sw.controller) offerUpdate(registration);
    function follow(installing) {
      if (!installing) return;
      installing.addEventListener('statechange', () => {
        if (installing.state === 'installed' && sw.controller) offerUpdate(registration);
      });
    }
    // The browser's own check on navigation may have found the new version before this page
    // registered (after load): one still installing is followed too.
    follow(registration.installing);
    registration.addEventListener('updatefound', () => { follow(registration.installing); });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && navigator.onLine) registration.update().catch(() => {});
    });
  }

  sw.addEventListener('controllerchange', () => {
    if (!updateRequested) return;  // the first install claiming this page is not an update
    updateRequested = false;
    location.reload();
  });

  function offerUpdate(registration) {
    if (document.querySelector('[data-update-bar]')) return;
    const bar = document.createElement('div');
    bar.className = 'update-bar';
    bar.setAttribute('data-update-bar', '');
    bar.setAttribute('role', 'status');
    const text = document.createElement('span');
    text.textContent = 'A new version of Groundwork is ready.';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Update now';
    bar.appendChild(text);
    bar.appendChild(button);
    body.insertBefore(bar, body.firstChild);
    button.addEventListener('click', () => {
      button.disabled = true;
      activateUpdate(registration, text);
    });
  }

  function outboxBusyHere() {
    const outbox = window.GroundworkOutbox;
    if (!outbox) return Promise.resolve(false);
    if (typeof outbox.isReplayingAnywhere === 'function') return outbox.isReplayingAnywhere();
    return Promise.resolve(typeof outbox.isReplaying === 'function' && outbox.isReplaying());
  }

  /* Never while the outbox replays: wait for it, then ask the waiting worker (which also takes
   * the outbox lock itself, so a replay starting in between is caught too). */
  async function activateUpdate(registration, text) {
    const busy = await outboxBusyHere();
    const waiting = registration.waiting;
    if (!waiting) { location.reload(); return; }
    if (busy) { retryLater(); return; }
    const channel = new MessageChannel();
    channel.port1.onmessage = event => {
      if (!event.data || !event.data.activated) retryLater();
    };
    updateRequested = true;
    waiting.postMessage({ type: 'skip-waiting' }, [channel.port2]);

    function retryLater() {
      updateRequested = false;
      text.textContent = 'Finishing sync first, then updating…';
      setTimeout(() => { activateUpdate(registration, text); }, 1000);
    }
  }

  // ---- the territory briefcase ----------------------------------------------------------------

  const ui = document.querySelector('[data-briefcase]');
  const resultLine = ui && ui.querySelector('[data-briefcase-result]');
  const progressBar = ui && ui.querySelector('[data-briefcase-progress]');
  const fillButton = ui && ui.querySelector('[data-briefcase-fill]');

  function formatBytes(bytes) {
    if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + ' MB';
    return Math.max(1, Math.round(bytes / 1e3)) + ' KB';
  }

  function describe(summary) {
    const accounts = summary.accounts === 1 ? '1 account' : summary.accounts + ' accounts';
    let line = accounts + ' available offline, ' + formatBytes(summary.bytes);
    if (summary.failed) line += ' (' + summary.failed + ' pages could not be saved)';
    return line + '. Saved ' + formatTime(summary.filledAt) + '.';
  }

  function show(text, progress) {
    if (!ui) return;
    resultLine.textContent = text;
    if (progress && progress.total) {
      progressBar.hidden = false;
      progressBar.max = progress.total;
      progressBar.value = progress.done;
      progressBar.textContent = Math.round(100 * progress.done / progress.total) + ' %';
    } else {
      progressBar.hidden = true;
    }
  }

  function onProgress(progress) {
    show('Saving your territory… ' + progress.done + ' of ' + (progress.total || '?') +
      ' pages, ' + formatBytes(progress.bytes), progress);
  }

  let filling = null;

  /* Save (or refresh) the signed-in rep's territory for offline use. */
  function refresh() {
    if (!user) return Promise.reject(new Error('Not signed in.'));
    if (filling) return filling;
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(() => {});
    }
    if (fillButton) fillButton.disabled = true;
    onProgress({ done: 0, total: 0, bytes: 0 });
    filling = (async () => {
      try {
        const answer = await ask({ type: 'briefcase-fill', user }, onProgress);
        show(describe(answer.summary));
        return answer.summary;
      } catch (error) {
        show(navigator.onLine ? 'Could not save your territory: ' + error.message
          : 'You are offline: your territory will be saved when you have signal.');
        throw error;
      } finally {
        filling = null;
        if (fillButton) fillButton.disabled = false;
      }
    })();
    return filling;
  }

  function status() {
    return ask({ type: 'briefcase-status', user }, null, 5000);
  }

  if (fillButton) {
    fillButton.hidden = false;
    fillButton.addEventListener('click', () => { refresh().catch(() => {}); });
  }

  if (user) {
    (async () => {
      await ask({ type: 'hello', user }, null, 5000);
      const state = await status();
      if (state.progress) return refresh();               // a fill is running: follow it
      if (state.summary) show(describe(state.summary));
      else show('Your territory is not saved on this phone yet.');
      const stale = !state.summary ||
        Date.now() - new Date(state.summary.filledAt).getTime() > REFRESH_AFTER_MS;
      // First page after signing in, or an old copy: save in the background when online.
      if (stale && navigator.onLine && body.getAttribute('data-offline-copy') === null &&
          body.getAttribute('data-briefcase-manual') === null) {
        return refresh();
      }
      return null;
    })().catch(() => {});
  }

  // ---- sign-out: warn about unsynced writes, then wipe every saved page ----------------------

  async function wipe() {
    const viaWorker = ask({ type: 'briefcase-wipe' }, null, 5000).catch(() => {});
    forgetDrafts();
    await Promise.all([viaWorker, wipeCachesHere()]);
  }

  // What was typed and not saved (static/js/drafts.js) goes with the saved pages.
  function forgetDrafts() {
    try {
      for (let i = localStorage.length - 1; i >= 0; i -= 1) {
        const key = localStorage.key(i);
        if (key && key.indexOf('groundwork-draft:') === 0) localStorage.removeItem(key);
      }
    } catch (err) { /* storage blocked: nothing was kept */ }
  }

  // Also directly, in case no worker is running: same cache names as service_worker/caches.js.
  async function wipeCachesHere() {
    if (!window.caches) return;
    const names = await caches.keys();
    const saved = names.filter(name => /^gw-(pages|frags)-/.test(name) || name === 'gw-meta');
    await Promise.all(saved.map(name => caches.delete(name)));
  }

  function unsyncedCount() {
    const outbox = window.GroundworkOutbox;
    if (!outbox || typeof outbox.count !== 'function') return Promise.resolve(0);
    return outbox.count().catch(() => 0);
  }

  document.addEventListener('submit', async event => {
    const form = event.target.closest && event.target.closest('form[data-signout]');
    if (!form || form.hasAttribute('data-wiped')) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const n = await unsyncedCount();
    if (n > 0 && !window.confirm((n === 1 ? '1 change has' : n + ' changes have') +
        ' not reached the server yet. Sign out anyway? They are sent when you sign in again.')) {
      return;
    }
    await wipe();
    form.setAttribute('data-wiped', '');
    form.submit();
  }, true);

  // ---- the offline page: what is saved ----------------------------------------------------------

  const offlineList = document.querySelector('[data-offline-list]');
  if (offlineList) {
    (async () => {
      let pages = [];
      try {
        pages = (await ask({ type: 'briefcase-list' }, null, 5000)).pages || [];
      } catch (err) {
        /* no worker to ask: nothing to list */
      }
      renderOfflineList(pages);
    })();
  }

  function renderOfflineList(pages) {
    offlineList.textContent = '';
    if (!pages.length) {
      const none = document.createElement('p');
      none.textContent = 'Nothing is saved on this phone yet.';
      offlineList.appendChild(none);
      return;
    }
    const title = page => page.title.replace(/\s*·\s*Groundwork\s*$/, '');
    const groups = [['Pages', /^\/(accounts\/|meetings\/new|notes\/new|more|sync\/pending)?$/],
      ['Accounts', /^\/accounts\/\d+/], ['Opportunities', /^\/opportunities\//]];
    groups.forEach(group => {
      const mine = pages.filter(page => group[1].test(page.url))
        .sort((a, b) => title(a).localeCompare(title(b)));
      if (!mine.length) return;
      const heading = document.createElement('h2');
      heading.textContent = group[0] + ' (' + mine.length + ')';
      const list = document.createElement('ul');
      list.className = 'list';
      mine.forEach(page => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = page.url;
        link.textContent = title(page);
        item.appendChild(link);
        list.appendChild(item);
      });
      offlineList.appendChild(heading);
      offlineList.appendChild(list);
    });
  }

  window.GroundworkBriefcase = { wipe, refresh, status };
})();
