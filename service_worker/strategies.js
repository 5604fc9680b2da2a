/* How a request is answered: network first with a timeout (pages, fragments), cache first
 * (versioned static files), and the helpers that stamp a stored copy with its fetch time and
 * mark a page served from the cache as an offline copy. */
((GW) => {
  'use strict';

  const CACHED_AT = 'X-Groundwork-Cached-At';
  const TITLE = 'X-Groundwork-Title';
  const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(() => resolve(null), ms));
  }

  /* Pages the server says must not be kept on the device (admin, exports) never are. */
  function storable(response) {
    return response.status === 200 && response.type === 'basic' && !response.redirected &&
      !/(^|,)\s*no-store\b/i.test(response.headers.get('Cache-Control') || '');
  }

  function isHTML(response) {
    return (response.headers.get('Content-Type') || '').startsWith('text/html');
  }

  /* A storable copy of `response` that remembers when it was fetched and, for a page, its
   * title (so the offline page can list it). Resolves to { response, bytes }. */
  async function stamp(response, now) {
    const headers = new Headers(response.headers);
    headers.set(CACHED_AT, new Date(now || Date.now()).toISOString());
    // The body below is already decoded, whatever the network sent.
    headers.delete('Content-Encoding');
    headers.delete('Content-Length');
    let body;
    if (isHTML(response)) {
      body = new Blob([await response.text()], { type: headers.get('Content-Type') });
      const text = await body.slice(0, 4096).text();
      const match = /<title>([^<]*)<\/title>/i.exec(text);
      if (match) {
        const title = match[1].replace(/&[#\w]+;/g, (e) => ENTITIES[e] || e).trim();
        headers.set(TITLE, encodeURIComponent(title));
      }
    } else {
      body = await response.blob();
    }
    const copy = new Response(body, { status: response.status, statusText: response.statusText,
      headers });
    return { response: copy, bytes: body.size };
  }

  /* The cached page, marked so the page can say "Offline copy from <time>" (briefcase.js in
   * the page shows the banner: no inline script is allowed). */
  async function asOfflineCopy(cached) {
    if (!isHTML(cached)) return cached;
    const at = (cached.headers.get(CACHED_AT) || '').replace(/[^0-9A-Za-z:.+-]/g, '');
    const html = await cached.text();
    const marked = html.replace(/<body\b/i, `<body data-offline-copy="${at}"`);
    const headers = new Headers(cached.headers);
    headers.delete('Content-Length');
    return new Response(marked, { status: cached.status, statusText: cached.statusText, headers });
  }

  async function storeQuietly(store, response) {
    try {
      await store(response);
    } catch (error) {
      console.warn('Groundwork: not stored', error);
    }
  }

  /* Network first: the network's answer if it comes within `timeoutMs` (stored by
   * `store(response)` when that says so), else the cached copy from `lookup()`, else keep
   * waiting for the network, else `fallback()`. A late answer still refreshes the cache. */
  async function networkFirst(event, { timeoutMs, store, lookup, present, fallback }) {
    let saving = Promise.resolve();
    // The network's answer, or null when it fails; storing it starts as soon as it comes.
    const fromNetwork = async () => {
      try {
        const response = await fetch(event.request);
        saving = storeQuietly(store, response.clone());
        return response;
      } catch (error) {
        return null;
      }
    };
    const settled = fromNetwork();
    const finish = async () => {
      await settled;
      await saving;
    };
    event.waitUntil(finish());

    const first = await Promise.race([settled, sleep(timeoutMs)]);
    if (first && first.status < 500) return first;
    const cached = await lookup();
    if (cached) return present ? present(cached) : cached;
    if (first) return first;
    const late = await settled;
    return late || fallback();
  }

  /* Cache first, for URLs whose content never changes (a content hash in the query). Offline,
   * an older version of the same file will do (a page cached under an older deploy). */
  async function cacheFirst(event, { cacheName }) {
    const request = event.request;
    const cache = await caches.open(cacheName);
    const hit = await cache.match(request, { ignoreVary: true });
    if (hit) return hit;
    try {
      const response = await fetch(request);
      if (response.ok && response.type === 'basic') {
        event.waitUntil(cache.put(request, response.clone()));
      }
      return response;
    } catch (error) {
      const older = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
      if (older) return older;
      throw error;
    }
  }

  GW.strategies = { CACHED_AT, TITLE, storable, stamp, asOfflineCopy, networkFirst, cacheFirst, sleep };
})(self.GW = self.GW || {});
