/* Groundwork page glue, shared part: what every piece of the page's outbox code uses (the
 * outbox, the signed-in user and their time zone, the app's addresses, labels, small DOM
 * helpers), as window.Groundwork. The pieces, loaded in this order after it:
 *   form_check.js      what the page can check before anything is queued
 *   answer_screens.js  the server's answer to a write that needs the rep (400/422, 409)
 *   form_capture.js    a form marked data-outbox goes into the outbox, once
 *   pending_view.js    pending writes where the rep looks for them, the badge
 *   sync_triggers.js   when the outbox is replayed
 *   drafts.js          what was typed and not saved yet survives a reload or a restart
 *
 * Outbox-first: a form marked data-outbox is never posted by the browser itself. The write is
 * stored in IndexedDB, then replayed at once when online. A connection that drops mid-request
 * therefore loses nothing (the entry is still there, and its client UUID makes the retry
 * harmless), and the same code path serves online and offline. Without JavaScript or
 * IndexedDB the forms post as plain forms.
 *
 * The addresses come from the server (<body data-routes>, webapp/pwa.py): "{id}" stands for a
 * record's id. */
(() => {
  'use strict';

  const Outbox = window.GroundworkOutbox;
  window.Groundwork = null;
  if (!Outbox || !window.indexedDB || !document.body) return;

  const routes = JSON.parse(document.body.getAttribute('data-routes') || '{}');

  // The address of route `name` for a record (its id or client id).
  function path(name, id) {
    return routes[name].replace('{id}', encodeURIComponent(id === undefined ? '' : id));
  }

  // The id in `pathname` when it is route `name`'s address, else null.
  function idIn(name, pathname) {
    const parts = routes[name].split('{id}').map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const match = new RegExp('^' + parts.join('([^/]+)') + '/?$').exec(pathname);
    return match ? decodeURIComponent(match[1]) : null;
  }

  const user = document.body.getAttribute('data-user') || '';
  const timeZone = document.body.getAttribute('data-timezone') || undefined;
  const KIND_LABELS = {
    meeting: 'Meeting', note: 'Note', filing: 'Filing a note', opportunity: 'Opportunity update',
    commitment: 'Commitment',
    // field capture (static/js/capture.js)
    account: 'New account', contact: 'Contact', new_opportunity: 'New opportunity',
    // customer success and reference lunches (static/js/success.js)
    success: 'Customer success', reference_ask: 'Reference lunch',
    // check-in / check-out (static/js/checkin.js)
    checkin: 'Check-in', checkout: 'Check-out', checkin_close: 'Check-in closed',
    // people across companies and old lists (issue 14)
    move: 'Moved to another company', touch: 'Touch', old_list: 'Old list',
    // vendor pals and intel (issue 14)
    intel: 'Intel', pal: 'New vendor pal', pal_meeting: 'Vendor-pal meeting',
  };
  const STATE_LABELS = {
    pending: 'pending', sending: 'sending', 'needs-attention': 'needs attention',
    conflict: 'conflict',
  };
  const SKIP_FIELDS = { csrf_token: true, client_id: true };

  function mine(entries) {
    return entries.filter(entry => !entry.userId || !user || entry.userId === user);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function when(iso) {
    const date = new Date(iso);
    if (isNaN(date)) return '';
    try {
      return date.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone });
    } catch (err) { // an unknown zone name: the device's
      return date.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
    }
  }

  function stateTag(entry) {
    const attention = entry.state === 'needs-attention' || entry.state === 'conflict';
    const tag = el('span', 'tag' + (attention ? ' warn' : ''), STATE_LABELS[entry.state] || entry.state);
    tag.setAttribute('data-state', entry.state);
    return tag;
  }

  // The count is mirrored in localStorage, read synchronously when a page starts: after a
  // restart without signal IndexedDB can take seconds to open, and the rep must see at once

  window.Groundwork = {
    Outbox, user, timeZone, routes, path, idIn,
    KIND_LABELS, STATE_LABELS, SKIP_FIELDS,
    mine, el, when, stateTag,
  };
})();
