/* Notifications: a Web Push message from the server (`groundwork reminders send`) is shown,
 * and tapping it opens the page it names (an account, a deal, territory changes). The phone
 * itself also says when a saved offline change comes back refused or in conflict (the
 * outbox's entry turns 'needs-attention' or 'conflict'), if the rep wants that kind
 * (static/js/reminders.js tells this worker their choice). */
((GW, BUILD) => {
  'use strict';

  const STORE = 'kv';
  const ATTENTION = { 'needs-attention': true, conflict: true };
  let dbPromise = null;

  // A tiny key-value store of its own (the outbox's database belongs to outbox.js).
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open('groundwork-push', 1);
        request.onupgradeneeded = () => request.result.createObjectStore(STORE);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  async function kv(mode, fn) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const tx = database.transaction(STORE, mode);
      const request = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }

  const read = (key) => kv('readonly', (store) => store.get(key));
  const save = (key, value) => kv('readwrite', (store) => store.put(value, key));

  // Only this app's own pages: a message can never send the rep elsewhere.
  function pageUrl(url) {
    try {
      const target = new URL(url || '/', self.location.origin);
      return target.origin === self.location.origin ? target.href : self.location.origin + '/';
    } catch (error) {
      return self.location.origin + '/';
    }
  }

  async function show(message) {
    await self.registration.showNotification(message.title || 'Groundwork', {
      body: message.body || '',
      tag: message.tag || undefined,
      icon: BUILD.staticRoot + 'icons/icon-192.png',
      data: { url: pageUrl(message.url) },
    });
  }

  self.addEventListener('push', (event) => {
    let message = {};
    try {
      message = event.data ? event.data.json() : {};
    } catch (error) {
      message = { body: event.data ? event.data.text() : '' };
    }
    event.waitUntil(show(message));
  });

  // Focusing needs the tap's permission; without it (a test's call) the page still opens.
  const focus = (client) => client.focus().catch(() => client);

  async function open(url) {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = windows.find((client) => client.url === url);
    if (same) return focus(same);
    const any = windows.find((client) => 'navigate' in client);
    if (any) {
      const navigated = await any.navigate(url).catch(() => null);
      if (navigated) return focus(navigated);
    }
    return self.clients.openWindow(url);
  }

  self.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const data = event.notification.data || {};
    event.waitUntil(open(pageUrl(data.url)));
  });

  // For tests (a notification cannot be tapped in a headless browser): what a tap does.
  GW.push = { openPage: (url) => open(pageUrl(url)), renew: (event) => renew(event) };

  // The browser replaced the subscription (keys rotated, or it expired): tell the server the
  // new one, with the signed-in session's CSRF token (the outbox's token route). Signed out
  // or offline: nothing; the rep turns notifications on again from the settings page.
  async function renew(event) {
    const old = event.oldSubscription;
    const fresh = event.newSubscription
      || (old ? await self.registration.pushManager.subscribe(old.options) : null);
    if (!fresh || !BUILD.routes.syncToken || !BUILD.routes.remindersDeviceAdd) return;
    const session = await fetch(BUILD.routes.syncToken, {
      credentials: 'same-origin', cache: 'no-store', redirect: 'manual',
      headers: { Accept: 'application/json' },
    });
    if (!session.ok) return;
    const { csrf_token: token } = await session.json();
    const { endpoint, keys } = fresh.toJSON();
    await fetch(BUILD.routes.remindersDeviceAdd, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'X-CSRFToken': token }, body: new URLSearchParams({ endpoint, ...keys }),
    });
  }

  self.addEventListener('pushsubscriptionchange', (event) => {
    event.waitUntil(renew(event).catch(() => null));
  });

  self.addEventListener('message', (event) => {
    const data = event.data || {};
    if (data.type === 'push-prefs') event.waitUntil(save('queued', data.queued !== false));
  });

  // A write the server refused: say so once per entry, even when no page is open.
  async function checkOutbox() {
    const outbox = self.GroundworkOutbox;
    if (!outbox || self.Notification === undefined || self.Notification.permission !== 'granted') return;
    if ((await read('queued')) === false) return;
    const told = new Set((await read('told')) || []);
    const entries = await outbox.all();
    const fresh = entries.filter((entry) => ATTENTION[entry.state] && !told.has(entry.id));
    if (!fresh.length) return;
    for (const entry of fresh) {
      told.add(entry.id);
      await show({
        title: entry.state === 'conflict' ? 'A saved change is in conflict' : 'A saved change needs you',
        body: [entry.accountName, entry.summary].filter(Boolean).join(': ').slice(0, 200),
        tag: 'queued:' + entry.id,
        url: BUILD.routes.syncPending,
      });
    }
    const live = new Set(entries.map((entry) => entry.id));
    await save('told', [...told].filter((id) => live.has(id)));
  }

  if (self.GroundworkOutbox && typeof self.GroundworkOutbox.subscribe === 'function') {
    self.GroundworkOutbox.subscribe(() => { checkOutbox().catch(() => null); });
  }
})(self.GW = self.GW || {}, self.GW_BUILD);
