/* Check-in / check-out on an account page, and the meeting form it opens.
 *
 * The phone remembers the check-in it made (localStorage, per user): a tap queued offline
 * shows at once, also on a saved copy of the page, which still shows what the server knew.
 * The check-in's id is the client id of its form (the server stores it), so a check-out
 * queued behind it names it before it reached the server. Times are the moment of the tap.
 * Leaving (a check-out, or "I left at …") opens the log-meeting form with the visit's start
 * and length after the # (the saved copy of the form is found without them, and this file
 * fills them in there). An open check-in is never closed by guessing: the section asks. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  const user = document.body ? document.body.getAttribute('data-user') || '' : '';
  const timeZone = (document.body && document.body.getAttribute('data-timezone')) || undefined;
  const KEY = 'groundwork-checkin:' + user;
  const STALE_MS = 12 * 3600 * 1000; // as webapp/domain/checkins.py STALE_AFTER
  const LOCATE_MS = 6000;

  function load() {
    try {
      const state = JSON.parse(localStorage.getItem(KEY) || 'null');
      if (state && typeof state === 'object') return { open: state.open || null, closed: state.closed || [] };
    } catch (err) { /* unreadable: start afresh */ }
    return { open: null, closed: [] };
  }

  function save(state) {
    state.closed = state.closed.slice(-30);
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (err) { /* private mode */ }
  }

  // 'YYYY-MM-DDTHH:MM' in the user's time zone (what a datetime-local field holds).
  function localInput(date) {
    const options = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    let parts;
    try { parts = new Intl.DateTimeFormat('en-US', Object.assign({ timeZone }, options)).formatToParts(date); } catch (err) {
      parts = new Intl.DateTimeFormat('en-US', options).formatToParts(date);
    }
    const p = {};
    parts.forEach(part => { p[part.type] = part.value; });
    return p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute;
  }

  function shown(iso) {
    const date = new Date(iso);
    const options = { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' };
    try { return date.toLocaleString('en-US', Object.assign({ timeZone }, options)); } catch (err) {
      return date.toLocaleString('en-US', options);
    }
  }

  // Minutes between two datetime-local values of the same zone.
  function minutesBetween(start, end) {
    return Math.max(1, Math.round((Date.parse(end + 'Z') - Date.parse(start + 'Z')) / 60000));
  }

  function meetingUrl(accountId, checkinId, start, minutes) {
    const routes = JSON.parse(document.body.getAttribute('data-routes') || '{}');
    const base = routes.meetingNew || '/meetings/new';
    return base + '?account_id=' + encodeURIComponent(accountId) + '#checkin=' + encodeURIComponent(checkinId) +
      '&start=' + encodeURIComponent(start) + '&minutes=' + minutes;
  }

  // ---- the account page's section ------------------------------------------------------

  function openVisit(section, state) {
    if (state.open) return state.open;
    const id = section.getAttribute('data-open-id');
    if (!id || state.closed.indexOf(id) >= 0) return null;
    return { id, accountId: section.getAttribute('data-open-account'),
      accountName: section.getAttribute('data-open-account-name'), at: section.getAttribute('data-open-at') };
  }

  function draw(section) {
    const state = load();
    const visit = openVisit(section, state);
    const here = section.getAttribute('data-account-id');
    const inForm = section.querySelector('[data-checkin-in]');
    const outForm = section.querySelector('[data-checkin-out]');
    const askForm = section.querySelector('[data-checkin-resolve]');
    const stillHere = section.hasAttribute('data-still-here');
    const isHere = visit && String(visit.accountId) === here;
    const ask = visit && (!isHere || (Date.now() - Date.parse(visit.at) > STALE_MS && !stillHere));
    inForm.hidden = !!visit;
    outForm.hidden = !isHere || !!ask;
    askForm.hidden = !ask;
    if (!visit) return;
    section.querySelectorAll('[data-since]').forEach(node => { node.textContent = shown(visit.at); });
    outForm.querySelector('input[name="checkin"]').value = visit.id;
    askForm.querySelector('input[name="checkin"]').value = visit.id;
    askForm.querySelector('[data-open-name]').textContent = visit.accountName || '';
    const still = askForm.querySelector('[data-still]');
    if (GW) still.href = GW.path('account', visit.accountId);
    const leftAt = askForm.querySelector('input[name="left_at"]');
    leftAt.min = localInput(new Date(visit.at));
    leftAt.max = localInput(new Date());
  }

  async function permissionState() {
    if (!navigator.permissions || !navigator.permissions.query) return 'prompt';
    try { return (await navigator.permissions.query({ name: 'geolocation' })).state; } catch (error) { return 'prompt'; }
  }

  async function position() {
    if (!navigator.geolocation || await permissionState() === 'denied') return null;
    return new Promise(resolve => {
      navigator.geolocation.getCurrentPosition(p => resolve(p.coords), () => resolve(null),
        { enableHighAccuracy: true, timeout: LOCATE_MS, maximumAge: 60000 });
    });
  }

  // Before the outbox takes the form (form_capture.js listens on the document; this on the
  // window, which comes first): the tap's time, the place, and where to go next.
  window.addEventListener('submit', event => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const section = form.closest('[data-checkin]');
    if (!section) return;
    const state = load();
    const now = new Date();
    if (form.hasAttribute('data-checkin-in')) {
      if (!form.hasAttribute('data-located')) { // ask for the place first, then submit again
        event.preventDefault();
        event.stopImmediatePropagation();
        if (form.getAttribute('aria-busy') === 'true') return;
        form.setAttribute('aria-busy', 'true');
        (async () => {
          const coords = await position();
          form.querySelector('input[name="latitude"]').value = coords ? coords.latitude.toFixed(6) : '';
          form.querySelector('input[name="longitude"]').value = coords ? coords.longitude.toFixed(6) : '';
          form.setAttribute('data-located', '');
          form.removeAttribute('aria-busy');
          form.requestSubmit();
        })();
        return;
      }
      form.querySelector('input[name="at"]').value = now.toISOString();
      const id = form.getAttribute('data-client-id') || form.querySelector('input[name="client_id"]').value;
      if (id) {
        state.open = { id, accountId: section.getAttribute('data-account-id'),
          accountName: section.getAttribute('data-account-name'), at: now.toISOString() };
        save(state);
      }
      form.setAttribute('data-outbox-next', location.pathname + '#checkin');
      return;
    }
    const visit = openVisit(section, state);
    if (!visit) return;
    if (form.hasAttribute('data-checkin-out')) {
      form.querySelector('input[name="at"]').value = now.toISOString();
      const start = localInput(new Date(visit.at));
      form.setAttribute('data-outbox-next', meetingUrl(visit.accountId, visit.id, start,
        minutesBetween(start, localInput(now))));
    } else if (form.hasAttribute('data-checkin-resolve')) {
      const outcome = form.querySelector('input[name="outcome"]:checked');
      const leftAt = form.querySelector('input[name="left_at"]').value;
      if (outcome && outcome.value === 'left') {
        if (!leftAt) return; // the server says what is missing
        const start = localInput(new Date(visit.at));
        form.setAttribute('data-outbox-next', meetingUrl(visit.accountId, visit.id, start, minutesBetween(start, leftAt)));
      } else {
        form.setAttribute('data-outbox-next', location.pathname + '#checkin');
      }
    }
    state.open = null;
    state.closed.push(visit.id);
    save(state);
  }, true);

  // ---- the log-meeting form opened from a visit ----------------------------------------

  function prefillMeeting(form) {
    const params = new URLSearchParams(location.hash.slice(1));
    const checkin = params.get('checkin');
    if (!checkin) return;
    let hidden = form.querySelector('input[name="checkin"]');
    if (!hidden) {
      hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = 'checkin';
      form.appendChild(hidden);
    }
    hidden.value = checkin;
    const start = params.get('start') || '';
    const when = form.querySelector('input[name="started_at"]');
    if (when && /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(start)) when.value = start;
    const minutes = parseInt(params.get('minutes') || '', 10);
    if (minutes > 0 && minutes <= 24 * 60) {
      let radio = form.querySelector('input[name="duration_minutes"][value="' + minutes + '"]');
      if (!radio) { // an unusual length: a chip of its own, as the server draws one
        const last = form.querySelectorAll('input[name="duration_minutes"]');
        const model = last.length ? last[last.length - 1].closest('label') : null;
        if (model) {
          const chip = model.cloneNode(true);
          radio = chip.querySelector('input');
          radio.value = String(minutes);
          chip.querySelector('span').textContent = String(minutes);
          model.parentNode.insertBefore(chip, model.nextSibling);
        }
      }
      if (radio) radio.checked = true;
    }
    const more = form.querySelector('details.more');
    if (more) more.open = true;
    const note = document.createElement('p');
    note.className = 'hint';
    note.setAttribute('data-from-visit', '');
    note.textContent = 'From your visit: started ' + start.replace('T', ' ') + ', ' + minutes + ' min.';
    const notes = form.querySelector('textarea[name="notes"]');
    if (notes && notes.parentNode) notes.parentNode.insertBefore(note, notes);
  }

  function init() {
    document.querySelectorAll('[data-checkin]').forEach(section => {
      const still = section.querySelector('[data-still]');
      if (still) {
        still.addEventListener('click', event => {
          const visit = openVisit(section, load());
          if (visit && String(visit.accountId) === section.getAttribute('data-account-id')) {
            event.preventDefault(); // here: go on with "Check out"
            section.setAttribute('data-still-here', '');
            draw(section);
          }
        });
      }
      draw(section);
    });
    const meeting = document.querySelector('form[data-outbox="meeting"]');
    if (meeting) prefillMeeting(meeting);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
  window.addEventListener('pageshow', event => {
    if (event.persisted) document.querySelectorAll('[data-checkin]').forEach(draw);
  });
  // After a tap the outbox sends the rep to #checkin on this same page: draw what changed.
  window.addEventListener('hashchange', () => { document.querySelectorAll('[data-checkin]').forEach(draw); });
})();
