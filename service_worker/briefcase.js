/* The territory briefcase: fetch and keep every page the rep needs offline.
 *
 * The server lists the URLs (GET /offline/manifest.json: Today, the territory list, the forms,
 * every account and open opportunity the rep may see), most with a version. The worker asks
 * for the pages whose version changed since its last fill (or that it has no copy of) in packs
 * of many pages per request (GET /offline/pack), keeps each as the network would have
 * answered it in the rep's page cache, reports progress to any page that asks, drops pages
 * that are no longer on the list (an account moved to another rep), and records a summary
 * ("75 accounts, 1.2 MB, filled at ..."). One fill at a time per worker. */
((GW, BUILD) => {
  'use strict';

  // Two packs in flight: one rendering on the server while the other is stored here.
  const PARALLEL = 2;
  const PAGE_TIMEOUT_MS = 20000;
  const PACK_TIMEOUT_MS = 120000;
  const { names } = GW.caches;

  let running = null;          // { user, promise, progress, listeners }
  let epoch = 0;               // bumped by wipe(): a fill that started before stops storing

  function summaryOf(user) {
    return GW.caches.readJSON(names.meta, names.briefcaseKey(user));
  }

  async function status(user) {
    const summary = await summaryOf(user);
    const progress = running && running.user === String(user) ? running.progress : null;
    return { summary, progress };
  }

  async function fetchWithTimeout(url, ms) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      // The header keeps the server from handing this background copy a message (a flash)
      // meant for the page the user is looking at.
      return await fetch(url, { credentials: 'same-origin', cache: 'no-store',
        headers: { 'X-Groundwork-Briefcase': '1' }, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  /* Fill (or refresh) `user`'s briefcase. `onProgress({done, total, bytes})` is called as pages
   * arrive; pages that join a running fill share it. Resolves to the summary. */
  function fill(user, onProgress) {
    user = String(user);
    if (running && running.user === user) {
      if (onProgress) running.listeners.push(onProgress);
      return running.promise;
    }
    const job = { user, progress: { done: 0, total: 0, bytes: 0 },
      listeners: onProgress ? [onProgress] : [] };
    job.promise = doFill(job).finally(() => { if (running === job) running = null; });
    running = job;
    return job.promise;
  }

  /* The versions of the pages kept for `user` ({path: version}), as last filled. */
  const versionsKey = (user) => `/__gw/briefcase-versions/u${user}`;

  /* Store one page of a pack as the network would have answered it. */
  async function keep(cache, user, page) {
    const headers = { 'Content-Type': page.type || 'text/html; charset=utf-8' };
    if (page.user) headers['X-Groundwork-User'] = page.user;
    const { response: copy, bytes } = await GW.strategies.stamp(
      new Response(page.body, { status: 200, headers }));
    await cache.put(new URL(page.path, self.location.origin).href, copy);
    return bytes;
  }

  async function doFill(job) {
    const started = epoch;
    const user = job.user;
    const report = () => job.listeners.forEach((listener) => {
      try { listener(Object.assign({}, job.progress)); } catch (e) { /* page went away */ }
    });
    const response = await fetchWithTimeout(BUILD.briefcaseManifestUrl, PAGE_TIMEOUT_MS);
    if (!response.ok || response.redirected) throw new Error('Sign in to save your territory.');
    const list = await response.json();
    if (String(list.user) !== user) throw new Error('Signed in as someone else.');
    await GW.caches.setUser(user);
    // The scripts this user's role needs offline (versioned, same for everyone): kept with the
    // precache, not in the personal pages.
    if (list.assets) await (await caches.open(names.static)).addAll(list.assets).catch(() => {});

    const cache = await caches.open(names.pages(user));
    const href = (path) => new URL(path, self.location.origin).href;
    const wanted = new Set(list.pages.map(href));
    const versions = list.versions || {};
    // Only what changed since the last fill: a page with a version is fetched again when its
    // version differs from the kept copy's (or there is no copy); the others every time.
    const before = (await GW.caches.readJSON(names.meta, versionsKey(user))) || {};
    const kept = before.versions || {};
    const present = new Set((await cache.keys()).map((request) => request.url));
    const current = (path) => versions[path] && kept[path] === versions[path] && present.has(href(path));
    const stale = list.pages.filter((path) => !current(path));
    // What is kept now: {versions: {path: version}, bytes: {path: bytes}}.
    const now = { versions: {}, bytes: {} };
    for (const path of list.pages.filter(current)) {
      now.versions[path] = versions[path];
      now.bytes[path] = (before.bytes || {})[path] || 0;
    }
    job.progress.total = stale.length;
    report();
    let failed = 0;
    const size = list.packSize || 50;
    // The first pack is small and holds the pages without a version (Today, the lists and
    // their index, the forms: listed first), so they are on the phone within a moment.
    const first = Math.min(size, Math.max(1, stale.filter((path) => !versions[path]).length));
    const packs = stale.length ? [stale.slice(0, first)] : [];
    for (let i = first; i < stale.length; i += size) packs.push(stale.slice(i, i + size));

    async function worker() {
      while (packs.length) {
        const paths = packs.shift();
        try {
          const query = paths.map((path) => 'p=' + encodeURIComponent(path)).join('&');
          const answer = await fetchWithTimeout(list.pack + '?' + query, PACK_TIMEOUT_MS);
          if (!answer.ok || answer.redirected) throw new Error('pack refused');
          const pack = await answer.json();
          if (String(pack.user) !== user) throw new Error('Signed in as someone else.');
          if (epoch !== started) return;
          // The pack's pages are stored side by side (the Cache API queues its writes; one
          // after the other, 50 puts waited on each other's disk writes).
          await Promise.all(pack.pages.map(async (page) => {
            // A page for someone else (or one the rep may no longer open) is never kept.
            if (page.body === undefined || (page.user && page.user !== user)) {
              if (page.status === 404 || page.status === 403) await cache.delete(href(page.path));
              failed += 1;
            } else {
              const bytes = await keep(cache, user, page);
              job.progress.bytes += bytes;
              now.bytes[page.path] = bytes;
              if (versions[page.path]) now.versions[page.path] = versions[page.path];
            }
            job.progress.done += 1;
          }));
          if (epoch !== started) return;
        } catch (error) {
          failed += paths.length;
          job.progress.done += paths.length;
        }
        report();
      }
    }

    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (epoch !== started) return wiped();

    // Whatever is no longer on the list (an account handed to another rep) goes.
    for (const request of await cache.keys()) {
      if (!wanted.has(request.url)) await cache.delete(request);
    }
    await GW.caches.writeJSON(names.meta, versionsKey(user), now);
    const unchanged = list.pages.length - stale.length;
    const summary = {
      user, accounts: list.accounts, opportunities: list.opportunities,
      pages: list.pages.length - failed, failed, fetched: stale.length - failed, unchanged,
      bytes: Object.values(now.bytes).reduce((sum, bytes) => sum + bytes, 0),
      filledAt: new Date().toISOString(),
    };
    await GW.caches.writeJSON(names.meta, names.briefcaseKey(user), summary);
    if (epoch !== started) return wiped();
    return summary;

    // Wiped (signed out, or another user) while this fill was storing: what it stored after
    // the wipe goes too, so nothing of this user's outlives the sign-out.
    async function wiped() {
      const current = await GW.caches.getUser();
      if (current) await GW.caches.forgetOthers(current); else await GW.caches.forgetEveryone();
      throw new Error('The offline copy was wiped.');
    }
  }

  /* Everything personal goes: every user's pages and fragments, summaries, whose-turn state. */
  async function wipe() {
    epoch += 1;
    running = null;
    await GW.caches.forgetEveryone();
  }

  /* What the current user has offline, for the offline page: [{url, title, cachedAt}]. */
  async function list() {
    const user = await GW.caches.getUser();
    if (!user) return [];
    const cache = await caches.open(names.pages(user));
    const entries = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      if (!response) continue;
      const title = response.headers.get(GW.strategies.TITLE);
      entries.push({
        url: new URL(request.url).pathname + new URL(request.url).search,
        title: title ? decodeURIComponent(title) : request.url,
        cachedAt: response.headers.get(GW.strategies.CACHED_AT),
      });
    }
    return entries;
  }

  GW.briefcase = { fill, status, wipe, list };
})(self.GW = self.GW || {}, self.GW_BUILD);
