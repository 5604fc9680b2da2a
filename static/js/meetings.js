// Log meeting: "when" defaults to the moment the form was rendered. A form opened later from
// the offline cache would carry a stale time, so move an untouched default forward by the time
// elapsed since rendering (plain arithmetic on the wall time: no time-zone guessing).
(() => {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function refresh() {
    const input = document.querySelector("input[data-now]");
    if (!input || input.value !== input.defaultValue) return;
    const rendered = Number(input.getAttribute("data-now"));
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(input.defaultValue);
    const elapsed = Date.now() - rendered;
    if (!m || !rendered || elapsed < 120000) return;
    const t = new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) + elapsed);
    input.value = t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) +
      "T" + pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
  }
  document.addEventListener("DOMContentLoaded", refresh);
  window.addEventListener("pageshow", refresh);
})();

// Who was there, and which deal: the contacts follow the account picked (a radio in
// #account-choices). htmx fetches the chosen account's contacts (GET /meetings/contacts, a
// fragment) into #meeting-contacts, with its open deals and first-meeting tick (#meeting-about,
// out of band); only those blocks are swapped, so the notes and everything else typed stay as
// they are. When the fragment cannot come (offline, the server not answering), both come from
// the account's saved page (briefcase.js); when that is not on the phone either (or the rep is
// signed out, or the account is no longer theirs), the old account's people and deals go and the
// form says contacts can be added later: it stays usable. The choices are swapped by the search,
// so listeners are delegated.
(() => {
  if (!document.getElementById('account-choices') || !window.htmx) return;

  function picker() { return document.querySelector('[data-contacts-picker]'); }
  function region() { return document.getElementById('meeting-contacts'); }
  function chosen() {
    const box = picker();
    return box ? box.querySelector('input[name="account_id"]:checked') : null;
  }
  function chosenValue() { const c = chosen(); return c ? c.value : ''; }
  function accountName() {
    const c = chosen();
    return c && c.parentNode ? c.parentNode.textContent.trim() : '';
  }
  // A picker no longer on the page (offline, the account's saved page fixed the account and
  // brought its people: briefcase.js) has nothing more to say about them.
  function fromPicker(event) {
    return event.target && event.target.matches && event.target.matches('[data-contacts-picker]') &&
      event.target.isConnected;
  }

  // Replace the contacts block with a line of text (never the rest of the form).
  function say(text) {
    const box = region();
    if (!box) return;
    box.setAttribute('data-contacts-for', chosenValue());
    box.replaceChildren();
    if (!text) return;
    const line = document.createElement('p');
    line.className = 'hint';
    line.setAttribute('role', 'status');
    line.setAttribute('data-contacts-status', '');
    line.textContent = text;
    box.appendChild(line);
  }

  // The previous account's deals must not be offered (or sent) for this one, nor a new deal be
  // made for it from here.
  function forgetDeals() {
    const about = document.getElementById('meeting-about');
    if (!about) return;
    about.querySelectorAll('[name="opportunity_id"]').forEach(field => {
      (field.closest('.field') || field).remove();
    });
    about.querySelectorAll('[data-new-deal]').forEach(link => { (link.closest('p') || link).remove(); });
    const first = about.querySelector('[name="is_first_meeting"]');
    if (first) first.checked = false;
  }

  function unavailable() {
    forgetDeals();
    say('The people at ' + (accountName() || 'this account') + ' could not be loaded' +
      (navigator.onLine ? '' : ' offline') + '. Type who was there under "More": contacts ' +
      'can be added later.');
  }

  async function fromSavedPage() {
    const id = chosenValue();
    const parts = window.GroundworkAccountParts;
    const saved = /^\d+$/.test(id) && parts ? await parts.saved(id) : null;
    if (chosenValue() !== id) return;  // another account picked meanwhile: its own answer counts
    const box = region();
    const form = box && box.closest('form');
    if (!saved || !form || !parts.use(saved.parts, form, ['meeting-contacts', 'meeting-about'])) unavailable();
  }

  document.addEventListener('htmx:configRequest', event => {
    // Nothing chosen: nobody to list, nothing to fetch.
    if (fromPicker(event) && !chosenValue()) { event.preventDefault(); say(''); }
  });
  document.addEventListener('htmx:beforeRequest', event => {
    // The previous account's people and deals must not be sent with this one.
    if (fromPicker(event)) { forgetDeals(); say('Loading the people at ' + accountName() + '…'); }
  });
  // Any answer but the fragment (401, 403 with a redirect, 404, 5xx) is shown as "not loaded",
  // never followed: following a redirect would leave the page and lose what was typed.
  document.addEventListener('htmx:beforeOnLoad', event => {
    if (fromPicker(event) && event.detail.xhr.status !== 200) {
      event.preventDefault();
      if (event.detail.xhr.status >= 500) fromSavedPage(); else unavailable();
    }
  });
  document.addEventListener('htmx:sendError', event => { if (fromPicker(event)) fromSavedPage(); });
  document.addEventListener('htmx:timeout', event => { if (fromPicker(event)) fromSavedPage(); });

  // The pending card names the account (form_capture.js reads the form's data-account-name).
  function nameTheForm() {
    const c = chosen();
    const form = c && c.form;
    if (form) form.setAttribute('data-account-name', accountName().split(' · ')[0]);
  }
  document.addEventListener('change', event => {
    if (event.target.name === 'account_id' && event.target.closest('#account-choices')) nameTheForm();
  });
  document.addEventListener('htmx:beforeRequest', event => { if (fromPicker(event)) nameTheForm(); });

  // A reload may restore the choice: load the contacts for what the picker shows.
  function catchUp() {
    const box = region();
    if (box && chosenValue() && box.getAttribute('data-contacts-for') !== chosenValue()) {
      window.htmx.trigger(picker(), 'change');
    }
  }
  document.addEventListener('DOMContentLoaded', () => { setTimeout(catchUp, 0); });
  window.addEventListener('pageshow', event => { if (event.persisted) catchUp(); });
})();
