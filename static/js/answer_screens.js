/* The server's answer to a write that needs the rep (400/422, 409): its form, shown in place
 * or on the list of pending changes, resubmits through the outbox and takes the place of the
 * write it answers. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const { SKIP_FIELDS, guardLengths, path } = GW;

  function parseScreen(entry) {
    const doc = new DOMParser().parseFromString('<main>' + (entry.screen || '') + '</main>', 'text/html');
    // <noscript> too: parsed here as markup, its no-JS buttons (e.g. "Show who works there")
    // would post around the outbox.
    Array.prototype.forEach.call(doc.querySelectorAll('script, style, link, iframe, object, noscript'), el => {
      el.remove();
    });
    const root = doc.querySelector('main');
    const forms = root.querySelectorAll('form');
    Array.prototype.forEach.call(forms, form => { adopt(form, entry); });
    if (!root.querySelector('form[data-outbox]')) root.appendChild(editorFor(entry, doc));
    return root;
  }

  // The server's form resubmits through the outbox and takes the place of the entry it answers.
  function adopt(form, entry) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    const action = new URL(form.getAttribute('action') || entry.action, location.origin);
    if (action.origin !== location.origin || [path('login'), path('logout')].indexOf(action.pathname) >= 0) return;
    form.setAttribute('data-outbox', entry.kind);
    // The answer's form carries on the same write (same client id) until it is saved.
    form.setAttribute('data-client-id', entry.id);
    if (entry.replace !== false) form.setAttribute('data-outbox-replaces', entry.id);
    // Resolved from the list of pending changes, the rep stays on that list.
    if (location.pathname === path('syncPending')) form.setAttribute('data-outbox-next', location.pathname);
    if (entry.accountId) form.setAttribute('data-account-id', entry.accountId);
    if (entry.accountName) form.setAttribute('data-account-name', entry.accountName);
  }

  // No form in the server's answer (a 404, an expired form): edit the stored fields directly.
  function editorFor(entry, doc) {
    const form = doc.createElement('form');
    form.setAttribute('method', 'post');
    form.setAttribute('action', entry.action);
    form.className = 'stack';
    entry.fields.forEach((pair, index) => {
      const name = pair[0];
      const value = pair[1];
      const label = (entry.labels || {})[name];
      let input;
      if (!label || SKIP_FIELDS[name]) {
        input = doc.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
        return;
      }
      const wrap = doc.createElement('div');
      wrap.className = 'field';
      const labelEl = doc.createElement('label');
      labelEl.textContent = label;
      labelEl.setAttribute('for', 'edit-' + entry.id + '-' + index);
      input = doc.createElement(value.length > 60 || value.indexOf('\n') >= 0 ? 'textarea' : 'input');
      input.id = 'edit-' + entry.id + '-' + index;
      input.name = name;
      input.value = value;
      if (input.tagName === 'TEXTAREA') input.textContent = value;
      wrap.appendChild(labelEl);
      wrap.appendChild(input);
      form.appendChild(wrap);
    });
    const button = doc.createElement('button');
    button.className = 'primary';
    button.textContent = 'Send again';
    form.appendChild(button);
    adopt(form, entry);
    return form;
  }

  function showInPlace(entry) {
    const main = document.getElementById('main');
    if (!entry || !main) return;
    const screen = parseScreen(entry);
    main.replaceChildren.apply(main, Array.prototype.slice.call(screen.childNodes).map(node => document.importNode(node, true)));
    if (window.htmx) window.htmx.process(main);
    guardLengths(main);
    const invalid = main.querySelector('[aria-invalid="true"]');
    if (invalid) { invalid.scrollIntoView({ block: 'center' }); invalid.focus({ preventScroll: true }); } else main.focus();
  }

  Object.assign(GW, { parseScreen, showInPlace });
})();
