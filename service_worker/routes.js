/* The route table: which requests the worker answers, and how. First match wins; a request
 * no route matches (POSTs, other sites, the worker itself, the briefcase list) goes to the
 * network untouched, so writes are never cached or replayed from here. */
((GW, BUILD) => {
  'use strict';

  const PAGE_TIMEOUT_MS = 3000;
  // One copy of each form serves every account offline: the page fills the account in from
  // the query string (briefcase.js), instead of keeping /meetings/new?account_id=N 300 times.
  // field capture (static/js/capture.js): ?account_id= may name an account made offline
  const FORMS = BUILD.forms;
  const NEVER = [BUILD.workerUrl, BUILD.briefcaseManifestUrl];
  const { names } = GW.caches;
  const { strategies } = GW;

  const isFragment = (request) => request.headers.get('HX-Request') === 'true' &&
    request.headers.get('HX-Boosted') !== 'true' &&
    request.headers.get('HX-History-Restore-Request') !== 'true';

  async function offlinePage() {
    const page = await caches.match(BUILD.offlineUrl, { ignoreVary: true });
    return page || new Response('You are offline.', { status: 503,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }

  /* Store a page or fragment under the user the server says it belongs to (and switch the
   * worker to that user: another rep signing in on this phone removes the previous rep's).
   * `since` is the worker's wipe count when the request began: an answer that arrives after a
   * sign-out's wipe is not kept. */
  function storeFor(cacheOf, since) {
    return async (request, response) => {
      const user = response.headers.get('X-Groundwork-User');
      if (user && (response.status === 404 || response.status === 403)) {
        // Gone, or no longer this rep's (an account handed over): drop the old copy too.
        const name = cacheOf(user);
        if (await caches.has(name)) await (await caches.open(name)).delete(request.url);
        return;
      }
      if (!user || !strategies.storable(response)) return;
      const { response: copy } = await strategies.stamp(response);
      await GW.caches.keepFor(user, since, async () => {
        await (await caches.open(cacheOf(user))).put(request.url, copy);
      });
    };
  }

  async function lookupPage(url) {
    const user = await GW.caches.getUser();
    if (!user) return null;
    const cache = await caches.open(names.pages(user));
    const exact = await cache.match(url.href, { ignoreVary: true });
    if (exact) return exact;
    if (FORMS.includes(url.pathname)) {
      return cache.match(url.origin + url.pathname, { ignoreVary: true });
    }
    if (!url.pathname.endsWith('/') && !url.search) {
      return cache.match(url.href + '/', { ignoreVary: true });
    }
    return null;
  }

  async function lookupFragment(url) {
    const user = await GW.caches.getUser();
    if (!user) return null;
    return (await caches.open(names.fragments(user))).match(url.href, { ignoreVary: true });
  }

  const handlers = {
    versionedStatic: (event) => strategies.cacheFirst(event, { cacheName: names.static }),

    // Unversioned files (the manifest, a static URL without ?v=): fresh when online.
    asset: (event, url) => strategies.networkFirst(event, {
      timeoutMs: PAGE_TIMEOUT_MS,
      store: async (response) => {
        if (strategies.storable(response)) {
          await (await caches.open(names.static)).put(event.request, response);
        }
      },
      lookup: () => caches.match(url.href, { ignoreSearch: true, ignoreVary: true }),
      fallback: () => Response.error(),
    }),

    page: (event, url, since) => strategies.networkFirst(event, {
      timeoutMs: PAGE_TIMEOUT_MS,
      store: (response) => storeFor(names.pages, since)(event.request, response),
      lookup: () => lookupPage(url),
      present: strategies.asOfflineCopy,
      fallback: offlinePage,
    }),

    // htmx swaps: the same URL may answer a whole page too (Vary: HX-Request), so fragments
    // have a cache of their own and never stand in for a page, or the other way round.
    fragment: (event, url, since) => strategies.networkFirst(event, {
      timeoutMs: PAGE_TIMEOUT_MS,
      store: (response) => storeFor(names.fragments, since)(event.request, response),
      lookup: () => lookupFragment(url),
      fallback: () => Response.error(),
    }),
  };

  const table = [
    { name: 'versionedStatic',
      match: (request, url) => url.searchParams.has('v') && (url.pathname.startsWith(BUILD.staticRoot) ||
        BUILD.versionedPaths.includes(url.pathname)) },
    { name: 'asset',
      match: (request, url) => url.pathname.startsWith(BUILD.staticRoot) ||
        url.pathname === BUILD.appManifestUrl },
    { name: 'fragment', match: (request) => isFragment(request) },
    { name: 'page',
      match: (request) => request.mode === 'navigate' ||
        (request.headers.get('Accept') || '').includes('text/html') },
  ];

  /* The handler for `request`, or null to let it through to the network. */
  function handlerFor(request) {
    if (request.method !== 'GET') return null;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin || NEVER.includes(url.pathname)) return null;
    const route = table.find((r) => r.match(request, url));
    if (!route) return null;
    const since = GW.caches.wipeCount();
    return (event) => handlers[route.name](event, url, since);
  }

  GW.routes = { table, handlerFor, isFragment, FORMS };
})(self.GW = self.GW || {}, self.GW_BUILD);
