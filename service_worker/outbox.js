/* Groundwork outbox: every write (meeting, note, opportunity update) is queued in IndexedDB
 * first and then replayed to the server, in order, by one replayer at a time. An entry leaves
 * the outbox only when the server confirmed it (a 2xx after following its 303).
 *
 * The same file runs in the page (<script>) and in the service worker (importScripts): it
 * touches no DOM. It exposes self.GroundworkOutbox:
 *   add(entry, replacesId)  queue a write (optionally replacing one that needs attention)
 *   all(), get(id), update(id, patch), discard(id), count()
 *   replay({force})         send what is due; resolves to {status, results}
 *   isReplaying()           true while this context replays (synchronous)
 *   isReplayingAnywhere()   Promise: any tab or the service worker holds the replay lock
 *   status(), subscribe(fn) the last replay outcome; fn() is called on every change
 *   requestSync()           ask for a Background Sync (tag "groundwork-outbox") where it exists
 */
(scope => {
  'use strict';

  const DB_NAME = 'groundwork-outbox';
  const DB_VERSION = 1; // object stores; entries carry their own FORMAT
  const FORMAT = 1; // entry format: a newer format is left alone by older code
  const ENTRIES = 'entries';
  const META = 'meta';
  const LOCK = 'groundwork-outbox';
  const SYNC_TAG = 'groundwork-outbox';
  const BASE_DELAY = 2000;
  const MAX_DELAY = 5 * 60 * 1000;
  const REQUEST_TIMEOUT = 20000;
  const LEASE_MS = 45000;
  const SENDABLE = { pending: true, sending: true };

  let dbPromise = null;
  let replaying = false;
  let again = false;
  let running = null;
  let listeners = [];
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(LOCK) : null;

  if (channel) channel.onmessage = () => { notify(false); };

  function notify(broadcast) {
    listeners.slice().forEach(fn => {
      try { fn(); } catch (err) { /* a listener's error must not stop a replay */ }
    });
    if (broadcast && channel) channel.postMessage('changed');
  }

  // ---- storage -------------------------------------------------------------------------

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(ENTRIES)) {
          // Keyed by an increasing number: the key order is the order of the writes.
          const store = db.createObjectStore(ENTRIES, { keyPath: 'seq', autoIncrement: true });
          store.createIndex('id', 'id', { unique: true });
        }
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: 'key' });
      };
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app wants to upgrade the database: let it.
        db.onversionchange = () => { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = () => { dbPromise = null; reject(request.error); };
    });
    return dbPromise;
  }

  // Runs `work(entries, meta, done)` in one transaction; resolves with what done() was given
  // once the transaction has committed (so callers never see an uncommitted state).
  async function transact(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction([ENTRIES, META], mode);
      let result;
      tx.oncomplete = () => { resolve(result); };
      tx.onerror = tx.onabort = () => { reject(tx.error || new Error('outbox aborted')); };
      work(tx.objectStore(ENTRIES), tx.objectStore(META), value => { result = value; });
    });
  }

  function all() {
    return transact('readonly', (entries, meta, done) => {
      entries.getAll().onsuccess = event => { done(event.target.result.map(upgrade)); };
    });
  }

  // Entries written by older code are brought to the current FORMAT on read.
  function upgrade(entry) {
    if (!entry.format) entry.format = 1;
    return entry;
  }

  function get(id) {
    return transact('readonly', (entries, meta, done) => {
      entries.index('id').get(id).onsuccess = event => {
        done(event.target.result ? upgrade(event.target.result) : null);
      };
    });
  }

  async function add(entry, replacesId) {
    entry.format = FORMAT;
    entry.state = entry.state || 'pending';
    entry.attempts = entry.attempts || 0;
    entry.lastError = entry.lastError || '';
    entry.nextAttemptAt = 0;
    entry.createdAt = entry.createdAt || new Date().toISOString();
    const stored = await transact('readwrite', (entries, meta, done) => {
      // Replacing (a corrected write, a conflict's resolution) and adding are one step:
      // at no moment are both, or neither, in the outbox.
      // The answer's form may carry on under the same id: delete first, then add.
      function put() {
        entries.add(entry).onsuccess = event => { entry.seq = event.target.result; done(entry); };
      }
      if (!replacesId) return put();
      entries.index('id').getKey(replacesId).onsuccess = event => {
        if (event.target.result !== undefined) entries.delete(event.target.result);
        put();
      };
    });
    notify(true);
    return stored;
  }

  async function update(id, patch) {
    const entry = await write(id, patch);
    notify(true);
    return entry;
  }

  // The same without telling anyone: the replay's own bookkeeping (marking an entry as being
  // sent) must not make every open page re-read and re-draw the outbox once per write.
  function write(id, patch, onlyIf) {
    return transact('readwrite', (entries, meta, done) => {
      entries.index('id').get(id).onsuccess = event => {
        const entry = event.target.result;
        if (!entry || (onlyIf && !onlyIf(entry))) return done(null);
        Object.keys(patch).forEach(name => { entry[name] = patch[name]; });
        entries.put(entry);
        done(entry);
      };
    });
  }

  async function remove(id) {
    const removed = await transact('readwrite', (entries, meta, done) => {
      entries.index('id').getKey(id).onsuccess = event => {
        if (event.target.result !== undefined) entries.delete(event.target.result);
        done(event.target.result !== undefined);
      };
    });
    notify(true);
    return removed;
  }

  function count() {
    return transact('readonly', (entries, meta, done) => {
      entries.count().onsuccess = event => { done(event.target.result); };
    });
  }

  function readMeta(key) {
    return transact('readonly', (entries, meta, done) => {
      meta.get(key).onsuccess = event => { done(event.target.result || null); };
    });
  }

  function writeMeta(record) {
    return transact('readwrite', (entries, meta, done) => {
      meta.put(record);
      done(record);
    });
  }

  async function status() {
    return (await readMeta('status')) || { key: 'status', state: 'idle' };
  }

  async function setStatus(state, message, retryAt) {
    await writeMeta({ key: 'status', state, message: message || '', retryAt: retryAt || 0,
      at: Date.now() });
    notify(true);
  }

  // ---- one replayer at a time ----------------------------------------------------------

  // Web Locks where they exist (every current browser); otherwise a lease in IndexedDB that
  // expires, so a tab that died while replaying cannot block the outbox for ever.
  async function withLock(work) {
    if (scope.navigator && scope.navigator.locks && scope.navigator.locks.request) {
      return scope.navigator.locks.request(LOCK, () => work());
    }
    const owner = newId();
    if (!(await takeLease(owner))) return { status: 'busy', results: {} };
    const renew = setInterval(() => { takeLease(owner); }, LEASE_MS / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await dropLease(owner);
    }
  }

  function takeLease(owner) {
    return transact('readwrite', (entries, meta, done) => {
      meta.get('lease').onsuccess = event => {
        const lease = event.target.result;
        const now = Date.now();
        if (lease && lease.owner !== owner && lease.until > now) return done(false);
        meta.put({ key: 'lease', owner, until: now + LEASE_MS });
        done(true);
      };
    });
  }

  function dropLease(owner) {
    return transact('readwrite', (entries, meta, done) => {
      meta.get('lease').onsuccess = event => {
        const lease = event.target.result;
        if (lease && lease.owner === owner) meta.delete('lease');
        done(true);
      };
    });
  }

  async function isReplayingAnywhere() {
    if (replaying) return true;
    if (scope.navigator && scope.navigator.locks && scope.navigator.locks.query) {
      const snapshot = await scope.navigator.locks.query();
      return snapshot.held.some(lock => lock.name === LOCK);
    }
    const lease = await readMeta('lease');
    return !!(lease && lease.until > Date.now());
  }

  // ---- replay --------------------------------------------------------------------------

  // Coalesces triggers: while this context replays, another call only asks for one more pass
  // (so a write queued during a replay is not left behind), and shares the running promise.
  function replay(options) {
    options = options || {};
    if (running) {
      again = true;
      if (options.force) again = 'force';
      return running;
    }
    running = (async () => {
      try {
        return await withLock(passes);
      } catch (err) {
        return { status: 'error', error: String(err), results: {} };
      } finally {
        replaying = false;
        running = null;
      }
    })();
    return running;

    // Drains until no pass was asked for meanwhile; the answer carries every pass's results.
    // A pass that found the phone offline also makes way for one asked for meanwhile: that
    // was the network coming back, and it must not be lost. (One that ended waiting out a
    // retry answers the ones asked meanwhile too: they share its back-off.)
    async function passes() {
      replaying = true;
      const results = {};
      let force = !!options.force;
      for (;;) {
        again = false;
        const outcome = await drain(force);
        Object.assign(results, outcome.results);
        if (!(again && (outcome.status === 'done' || outcome.status === 'offline'))) {
          outcome.results = results;
          return outcome;
        }
        force = again === 'force';
      }
    }
  }

  async function fetchWithTimeout(url, init) {
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    let timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(() => { controller.abort(); }, REQUEST_TIMEOUT);
    }
    try {
      return await fetch(url, init);
    } finally {
      clearTimeout(timer);
    }
  }

  // The address of the session's token: the worker has it from its build (webapp/pwa.py), a
  // page from <body data-routes> (read when a replay starts, never while the page loads).
  function tokenUrl() {
    if (scope.GW_BUILD) return scope.GW_BUILD.routes.syncToken;
    return JSON.parse(scope.document.body.getAttribute('data-routes')).syncToken;
  }

  // The session's current CSRF token and user. A new session (after signing in again) has a
  // new CSRF secret, so the token stored with an entry is never trusted.
  async function fetchSession() {
    const url = tokenUrl();
    let response;
    try {
      response = await fetchWithTimeout(url, {
        credentials: 'same-origin', cache: 'no-store', redirect: 'manual',
        headers: { Accept: 'application/json', 'X-Groundwork-Outbox': '1' },
      });
    } catch (err) {
      return { state: 'offline' };
    }
    if (response.status === 401 || response.status === 403 || response.type === 'opaqueredirect') {
      return { state: 'signin' };
    }
    if (!response.ok) return { state: 'retry', error: 'Server error ' + response.status };
    const body = await response.json();
    return { state: 'ok', token: body.csrf_token, userId: String(body.user_id) };
  }

  function backoff(attempts) {
    const delay = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  // One pass over the outbox, oldest first. Stops at the first write that cannot reach the
  // server (offline, 5xx, signed out), so later writes never overtake it.
  async function drain(force) {
    const results = {};
    const seen = {};
    const session = await fetchSession();
    if (session.state !== 'ok') {
      await setStatus(session.state, session.error);
      return { status: session.state, results };
    }
    await setStatus('syncing');
    return step(session);

    // Walks one snapshot of the outbox (one read, not one per write), then looks once more for
    // writes queued meanwhile. Each entry is re-read when it is marked as being sent, so one
    // discarded or replaced meanwhile is not sent.
    async function step(session, snapshot) {
      const entries = snapshot && snapshot.length ? snapshot : await all();
      let next = null;
      let i;
      for (i = 0; i < entries.length; i += 1) {
        const entry = entries[i];
        if (seen[entry.id] || !SENDABLE[entry.state] || entry.format > FORMAT) continue;
        if (entry.userId && entry.userId !== session.userId) continue; // another rep's
        next = entry;
        break;
      }
      const rest = entries.slice(i + 1);
      if (!next) {
        if (snapshot && snapshot.length) return step(session, null); // anything new?
        await setStatus('idle');
        return { status: 'done', results };
      }
      if (!force && next.nextAttemptAt && next.nextAttemptAt > Date.now()) {
        await setStatus('retry', next.lastError, next.nextAttemptAt);
        return { status: 'retry', retryAt: next.nextAttemptAt, results };
      }
      seen[next.id] = true;
      const outcome = await send(next, session);
      if (outcome.state === 'gone') return step(session, rest);
      results[next.id] = outcome;
      if (outcome.state === 'signin' || outcome.state === 'retry') {
        await setStatus(outcome.state, outcome.error, outcome.retryAt);
        return { status: outcome.state, retryAt: outcome.retryAt, results };
      }
      return step(session, rest);
    }
  }

  function body(entry, token) {
    const form = new URLSearchParams();
    let hasKey = false;
    let hasToken = false;
    entry.fields.forEach(pair => {
      const name = pair[0];
      let value = pair[1];
      if (name === 'client_id') { value = entry.id; hasKey = true; }
      if (name === 'csrf_token') { value = token; hasToken = true; }
      form.append(name, value);
    });
    if (!hasKey) form.append('client_id', entry.id);
    if (!hasToken) form.append('csrf_token', token);
    return form;
  }

  // The page the server answered with: only its <main>, kept as text (no DOM in a worker).
  function screenOf(html) {
    const start = html.search(/<main[\s>]/i);
    const end = html.lastIndexOf('</main>');
    if (start < 0 || end < start) return html.slice(0, 20000);
    return html.slice(html.indexOf('>', start) + 1, end).slice(0, 60000);
  }

  async function send(entry, session) {
    const attempts = (entry.attempts || 0) + 1;
    let response;
    try {
      const current = await write(entry.id,
        { state: 'sending', attempts, lastAttemptAt: Date.now() },
        candidate => SENDABLE[candidate.state]);
      if (!current) return { state: 'gone' }; // discarded, replaced or answered meanwhile
      entry = current;
      response = await fetchWithTimeout(entry.action, {
        method: 'POST', body: body(entry, session.token), credentials: 'same-origin',
        // 'manual': the 303 itself is the confirmation (login_required answers a write
        // with 401, never a redirect), and the page it points to need not be fetched.
        cache: 'no-store', redirect: 'manual',
        headers: { 'X-CSRFToken': session.token, 'X-Groundwork-Outbox': '1', Accept: 'text/html' },
      });
    } catch (err) {
      return later(entry, attempts, 'No connection.');
    }
    if (response.ok || response.type === 'opaqueredirect') {
      await remove(entry.id);
      return { state: 'confirmed' };
    }
    if (response.status === 401) {
      // Signed out while offline: keep everything, ask to sign in, continue afterwards.
      await update(entry.id, { state: 'pending', attempts: attempts - 1 });
      return { state: 'signin', error: 'Sign in to sync.' };
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      return later(entry, attempts, 'The server could not take it yet (' + response.status + ').');
    }
    const html = await response.text();
    const conflict = response.status === 409;
    const patch = {
      state: conflict ? 'conflict' : 'needs-attention',
      httpStatus: response.status,
      screen: screenOf(html),
      lastError: conflict ? 'Changed on the server since you edited it.'
        : 'The server did not accept this (' + response.status + ').',
    };
    await update(entry.id, patch);
    return { state: patch.state };
  }

  async function later(entry, attempts, message) {
    const retryAt = Date.now() + backoff(attempts);
    await update(entry.id, { state: 'pending', lastError: message, nextAttemptAt: retryAt });
    return { state: 'retry', error: message, retryAt };
  }

  // ---- helpers for the page and the service worker ----------------------------------------

  function newId() {
    if (scope.crypto && typeof scope.crypto.randomUUID === 'function') return scope.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    scope.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.prototype.map.call(bytes, b => (b + 0x100).toString(16).slice(1)).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  async function requestSync() {
    try {
      const reg = scope.registration // in the service worker
        || (scope.navigator && scope.navigator.serviceWorker
          ? await scope.navigator.serviceWorker.getRegistration() : null);
      if (reg && reg.sync && reg.active) return await reg.sync.register(SYNC_TAG);
      return null;
    } catch (err) {
      return null;
    }
  }

  function subscribe(fn) {
    listeners.push(fn);
    return () => { listeners = listeners.filter(other => other !== fn); };
  }

  scope.GroundworkOutbox = {
    FORMAT,
    SYNC_TAG,
    add,
    all,
    get,
    update,
    discard: remove,
    count,
    replay,
    isReplaying: () => replaying,
    isReplayingAnywhere,
    status,
    subscribe,
    requestSync,
    newId,
  };
})(self);
