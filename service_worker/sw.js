/* Entry: wires the worker's events to the modules above. No logic of its own beyond that.
 * A new version installs and then waits: the page offers "Update now", which sends
 * {type: 'skip-waiting'}; the worker refuses while the outbox is replaying. */
((GW, BUILD) => {
  'use strict';

  self.addEventListener('install', (event) => {
    event.waitUntil(GW.caches.precache());
  });

  // Outbox replays (in a page or in the active worker) hold this Web Lock (outbox.js).
  const OUTBOX_LOCK = 'groundwork-outbox';
  let markActivated;
  const activated = new Promise((resolve) => { markActivated = resolve; });

  async function takeOver() {
    try {
      await GW.caches.cleanUp();
      await self.clients.claim();
    } finally {
      markActivated();
    }
  }

  self.addEventListener('activate', (event) => {
    event.waitUntil(takeOver());
  });

  self.addEventListener('fetch', (event) => {
    const handle = GW.routes.handlerFor(event.request);
    if (handle) event.respondWith(handle(event));
  });

  self.addEventListener('sync', (event) => {
    if (event.tag === 'groundwork-outbox' && self.GroundworkOutbox) {
      event.waitUntil(self.GroundworkOutbox.replay());
    }
  });

  function outboxReplaying() {
    const outbox = self.GroundworkOutbox;
    return Boolean(outbox && typeof outbox.isReplaying === 'function' && outbox.isReplaying());
  }

  // Messages from pages: {type, ...} with a MessagePort to answer on (ports[0]).
  const messages = {
    'hello': async ({ user }) => {
      await GW.caches.setUser(user);
      return { version: BUILD.version };
    },
    'version': () => ({ version: BUILD.version }),
    'claim': async () => {
      await self.clients.claim();
      return { claimed: true };
    },
    'outbox-replaying': () => ({ replaying: outboxReplaying() }),
    // Never in the middle of a replay: take the outbox's lock if it is free and keep it until
    // this worker is active, so no replay can start while the old worker is being replaced.
    'skip-waiting': () => {
      const locks = self.navigator && self.navigator.locks;
      const activate = async () => {
        await self.skipWaiting();
        await Promise.race([activated, GW.strategies.sleep(10000)]);
        return { activated: true };
      };
      if (!locks) {
        return outboxReplaying() ? { activated: false, reason: 'replaying' } : activate();
      }
      return locks.request(OUTBOX_LOCK, { ifAvailable: true }, (lock) =>
        (lock ? activate() : { activated: false, reason: 'replaying' }));
    },
    'briefcase-status': ({ user }) => GW.briefcase.status(user),
    'briefcase-fill': async ({ user }, port) => {
      const summary = await GW.briefcase.fill(user, (progress) => {
        if (port) port.postMessage({ type: 'progress', progress });
      });
      return { summary };
    },
    'briefcase-wipe': async () => {
      await GW.briefcase.wipe();
      return { wiped: true };
    },
    'briefcase-list': async () => ({ pages: await GW.briefcase.list() }),
  };

  self.addEventListener('message', (event) => {
    const data = event.data || {};
    const port = event.ports && event.ports[0];
    const handler = messages[data.type];
    if (!handler) return;
    const answer = async () => {
      // The handler runs once this listener has returned (a microtask later), as it always
      // has: run inside the listener, "Update now" after a replay never took over
      // (tests/browser/test_offline_reading.py).
      await Promise.resolve();
      try {
        const result = await handler(data, port);
        if (port) port.postMessage(Object.assign({ type: 'done' }, result));
      } catch (error) {
        if (port) port.postMessage({ type: 'error', message: String(error.message || error) });
      }
    };
    event.waitUntil(answer());
  });
})(self.GW = self.GW || {}, self.GW_BUILD);
