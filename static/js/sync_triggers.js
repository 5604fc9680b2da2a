/* When the outbox is replayed: on page load, when the network comes back, when the app comes
 * to the front, on "Sync now" (Background Sync does the rest where the browser has it), and
 * again at the time a retry is due. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const { Outbox, user, refresh, badgeFromMirror, prepareAll } = GW;

  let retryTimer = null;

  // ---- triggers ----------------------------------------------------------------------------

  async function sync(force) {
    if (!await Outbox.count()) return null;
    const outcome = await Outbox.replay({ force: !!force });
    clearTimeout(retryTimer);
    if (outcome && outcome.status === 'retry' && outcome.retryAt) {
      retryTimer = setTimeout(sync, Math.max(1000, outcome.retryAt - Date.now()));
    }
    return outcome;
  }

  document.addEventListener('click', async event => {
    const target = event.target.closest && event.target.closest('[data-sync-now], [data-outbox-discard]');
    if (!target) return;
    event.preventDefault();
    if (target.hasAttribute('data-sync-now')) {
      target.disabled = true;
      await sync(true);
      target.disabled = false;
      refresh();
    } else if (window.confirm('Discard this change? It has not reached the server and will be lost.')) {
      Outbox.discard(target.getAttribute('data-outbox-discard'));
    }
  });

  window.addEventListener('online', () => { sync(true); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') sync(false);
  });
  badgeFromMirror();
  document.addEventListener('htmx:load', event => { prepareAll(event.target); });
  prepareAll(document);
  Outbox.subscribe(refresh);
  refresh();
  if (user) sync(false);
})();
