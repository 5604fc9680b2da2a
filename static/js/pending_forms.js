/* A write queued on this phone shows where it was made: a form marked data-pending-label
 * whose write waits in the outbox is replaced by that label (a cached page offline still
 * shows the old state, so say what is on its way). */
(() => {
  'use strict';

  const Outbox = window.GroundworkOutbox;
  if (!Outbox || !window.indexedDB) return;
  const user = document.body && document.body.getAttribute('data-user');

  function pathOf(form) {
    return new URL(form.getAttribute('action') || location.href, location.href).pathname;
  }

  function mark(entries) {
    const waiting = {};
    entries.forEach(entry => {
      if (entry.userId && user && entry.userId !== user) return;
      waiting[entry.action.split('?')[0]] = entry;
    });
    Array.prototype.forEach.call(document.querySelectorAll('form[data-pending-label]'), form => {
      const entry = waiting[pathOf(form)];
      let note = form.parentNode && form.parentNode.querySelector('[data-pending-for="' + pathOf(form) + '"]');
      if (!entry) {
        if (note) { note.remove(); form.hidden = false; }
        return;
      }
      if (!note) {
        note = document.createElement('p');
        note.className = 'pending tag';
        note.setAttribute('data-state', 'pending');
        note.setAttribute('data-pending-for', pathOf(form));
        form.after(note);
      }
      let choice = '';
      (entry.fields || []).forEach(pair => { if (pair[0] === 'kept') choice = pair[1]; });
      note.textContent = form.getAttribute('data-pending-label-' + choice) || form.getAttribute('data-pending-label');
      form.hidden = true;
      const folded = form.closest('details');
      if (folded) folded.open = true; // the label must be seen, not folded away
    });
  }

  async function refresh() {
    let entries;
    try {
      entries = await Outbox.all();
    } catch (error) {
      return; // the outbox could not be read: nothing to mark
    }
    mark(entries);
  }
  Outbox.subscribe(refresh);
  refresh();
})();
