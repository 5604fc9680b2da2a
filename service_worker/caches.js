/* Cache names, precaching, clean-up on activate, and whose pages these are.
 *
 * Static files live in a cache named by the build VERSION (a new deploy gets a new one, the
 * old one is deleted on activate). Pages and htmx fragments live in per-user caches named by
 * a storage FORMAT (not the version: a deploy must not throw away the rep's territory), so one
 * rep's copies are never shown to another: when a different user's page comes through, the
 * previous user's caches are deleted. */
((GW, BUILD) => {
  'use strict';

  const FORMAT = 1;
  const STATIC = 'gw-static-' + BUILD.version;
  const META = 'gw-meta';
  const STATE_KEY = '/__gw/state';

  const names = {
    static: STATIC,
    meta: META,
    pages: (user) => `gw-pages-${FORMAT}-u${user}`,
    fragments: (user) => `gw-frags-${FORMAT}-u${user}`,
    briefcaseKey: (user) => `/__gw/briefcase/u${user}`,
    isPersonal: (name) => /^gw-(pages|frags)-/.test(name),
    belongsTo: (name, user) => name === `gw-pages-${FORMAT}-u${user}` ||
      name === `gw-frags-${FORMAT}-u${user}`,
  };

  async function precache() {
    const cache = await caches.open(STATIC);
    // Static files (versioned URLs) and the offline page, fetched without cookies: the
    // offline page is the same for everyone and must carry no user's data.
    const urls = BUILD.precache.concat([BUILD.offlineUrl]);
    // A few tries each: one dropped request on a bad network must not fail the install
    // (a failed install leaves the app without offline support until the next visit).
    const fetchOk = async (url, triesLeft) => {
      try {
        const response = await fetch(url, { credentials: 'omit', cache: 'no-cache' });
        if (response.ok) return response;
        if (triesLeft <= 1 || response.status < 500) throw new Error(`precache ${url}: ${response.status}`);
      } catch (error) {
        if (triesLeft <= 1) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      return fetchOk(url, triesLeft - 1);
    };
    await Promise.all(urls.map(async (url) => {
      await cache.put(url, await fetchOk(url, 3));
    }));
  }

  async function cleanUp() {
    const keep = (name) => name === STATIC || name === META ||
      (names.isPersonal(name) && name.includes(`-${FORMAT}-u`));
    const all = await caches.keys();
    await Promise.all(all.filter((name) => name.startsWith('gw-') && !keep(name))
      .map((name) => caches.delete(name)));
  }

  // Reads never create the cache (caches.open would): a status asked for just after a
  // sign-out's wipe must not leave an empty gw-meta behind.
  async function readJSON(cacheName, key) {
    if (!(await caches.has(cacheName))) return null;
    const response = await caches.match(key, { cacheName });
    return response ? response.json() : null;
  }

  async function writeJSON(cacheName, key, value) {
    const body = JSON.stringify(value);
    await (await caches.open(cacheName)).put(key, new Response(body, {
      headers: { 'Content-Type': 'application/json' },
    }));
  }

  // Whose copies to show. Kept in memory and in the meta cache (the worker is stopped often).
  let currentUser;
  // How many wipes this worker has run: a copy whose request began before a wipe is not kept.
  let wipes = 0;
  // Every change of whose copies these are (a user's turn, a page stored under a user, a wipe)
  // runs alone, in the order asked: a change that began before a sign-out's wipe can never
  // finish after it and write the signed-out rep's state or pages back.
  let changes = Promise.resolve();

  function serially(change) {
    const previous = changes;
    const run = (async () => {
      try {
        await previous;
      } catch (error) {
        /* an earlier change failed: this one still runs */
      }
      return change();
    })();
    changes = run;
    return run;
  }

  async function getUser() {
    if (currentUser === undefined) {
      const state = await readJSON(META, STATE_KEY);
      // A wipe made while reading wins over what was read.
      if (currentUser === undefined) currentUser = state ? state.user : null;
    }
    return currentUser;
  }

  async function becomeUser(user) {
    if (user === await getUser()) return;
    currentUser = user;
    await writeJSON(META, STATE_KEY, { user });
    if (user) await forgetOthers(user);
  }

  function setUser(user) {
    return serially(() => becomeUser(user ? String(user) : null));
  }

  /* Keep a copy of `user`'s: `store()` runs as that user, unless a wipe ran since `since`
   * (wipeCount() when the copy's request began). Resolves to whether it was kept. */
  function keepFor(user, since, store) {
    return serially(async () => {
      if (wipes !== since) return false;
      await becomeUser(String(user));
      await store();
      return true;
    });
  }

  const wipeCount = () => wipes;

  /* Delete every personal cache and briefcase record that is not `user`'s. */
  async function forgetOthers(user) {
    const all = await caches.keys();
    await Promise.all(all.filter((name) => names.isPersonal(name) && !names.belongsTo(name, user))
      .map((name) => caches.delete(name)));
    const meta = await caches.open(META);
    for (const request of await meta.keys()) {
      const path = new URL(request.url).pathname;
      if (path.startsWith('/__gw/briefcase/') && path !== names.briefcaseKey(user)) {
        await meta.delete(request);
      }
    }
  }

  function forgetEveryone() {
    wipes += 1;
    currentUser = null;
    return serially(async () => {
      currentUser = null;
      const all = await caches.keys();
      await Promise.all(all.filter((name) => names.isPersonal(name) || name === META)
        .map((name) => caches.delete(name)));
    });
  }

  GW.caches = { FORMAT, names, precache, cleanUp, readJSON, writeJSON, getUser, setUser,
    keepFor, wipeCount, forgetOthers, forgetEveryone };
})(self.GW = self.GW || {}, self.GW_BUILD);
