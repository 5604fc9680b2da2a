/* The territory briefcase: fetch and keep every page the rep needs offline.
 *
 * The server lists the URLs (GET /offline/manifest.json: Today, the territory list, the forms,
 * every account and open opportunity the rep may see). The worker fetches them a few at a
 * time into the rep's page cache, reports progress to any page that asks, drops pages that
 * are no longer on the list (an account moved to another rep), and records a summary
 * ("75 accounts, 1.2 MB, filled at ..."). One fill at a time per worker. */
((GW, BUILD) => {
  'use strict';

  const PARALLEL = 6;
  const PAGE_TIMEOUT_MS = 20000;
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
    const wanted = new Set(list.pages.map((path) => new URL(path, self.location.origin).href));
    job.progress.total = list.pages.length;
    report();
    let failed = 0;
    const queue = list.pages.slice();

    async function worker() {
      while (queue.length) {
        const path = queue.shift();
        try {
          const page = await fetchWithTimeout(path, PAGE_TIMEOUT_MS);
          // A page for someone else (or the sign-in page after a redirect) is never kept.
          if (!GW.strategies.storable(page) || page.headers.get('X-Groundwork-User') !== user) {
            failed += 1;
          } else {
            const { response: copy, bytes } = await GW.strategies.stamp(page);
            if (epoch !== started) return;
            await cache.put(path, copy);
            job.progress.bytes += bytes;
          }
        } catch (error) {
          failed += 1;
        }
        job.progress.done += 1;
        report();
      }
    }

    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (epoch !== started) throw new Error('The offline copy was wiped.');

    // Whatever is no longer on the list (an account handed to another rep) goes.
    for (const request of await cache.keys()) {
      if (!wanted.has(request.url)) await cache.delete(request);
    }
    const summary = {
      user, accounts: list.accounts, opportunities: list.opportunities,
      pages: list.pages.length - failed, failed, bytes: job.progress.bytes,
      filledAt: new Date().toISOString(),
    };
    await GW.caches.writeJSON(names.meta, names.briefcaseKey(user), summary);
    return summary;
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
