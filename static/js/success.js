/* Reference lunch (cascade deals): the one tap on "Draft invitation" opens the phone's mail app
 * with the invitation filled in (the link's own mailto:) and records the ask through the
 * outbox, which then goes to the meeting form, filled in for the lunch, to log afterwards. */
(() => {
  'use strict';

  document.addEventListener('click', event => {
    const link = event.target instanceof Element ? event.target.closest('a[data-invite]') : null;
    if (!link) return;
    const form = link.closest('form[data-outbox]');
    if (!form || form.hasAttribute('data-outbox-saved')) return;
    // The mail app opens by the link itself; the ask is queued once (form_capture.js).
    setTimeout(() => { form.requestSubmit(); }, 0);
  });
})();
