/* Installed, so nothing is evicted. A browser may delete a website's saved data (the briefcase
 * and the outbox) after some days without a visit (Safari: about a week) unless the app was
 * added to the home screen. So, once the briefcase has filled (on Today):
 *   - where the browser offers its own install prompt (beforeinstallprompt), an "Install" button;
 *   - on iPhone / iPad Safari, not yet on the home screen, the steps, once, until dismissed;
 * and on the pending list, a warning while unsynced writes sit in a browser tab.
 * Nothing shows when Groundwork already runs installed. */
(() => {
  'use strict';

  const DISMISSED_KEY = 'groundwork-install-dismissed';
  const ua = navigator.userAgent || '';
  const isIos = /iPhone|iPad|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const isIosSafari = isIos && /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS|OPiOS|GSA\//.test(ua);
  let deferred = null; // the browser's install prompt, kept for the rep's tap

  function installed() {
    return navigator.standalone === true ||
      (window.matchMedia && window.matchMedia('(display-mode: standalone)').matches);
  }

  function dismissed() {
    try { return localStorage.getItem(DISMISSED_KEY) === '1'; } catch (err) { return false; }
  }

  function dismiss() {
    try { localStorage.setItem(DISMISSED_KEY, '1'); } catch (err) { /* private mode */ }
    const hint = document.querySelector('[data-install-hint]');
    if (hint) hint.remove();
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const b = el('button', className, text);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  function briefcaseFilled() {
    const line = document.querySelector('[data-briefcase-result]');
    return !!line && /available offline/.test(line.textContent);
  }

  function offer() {
    const briefcase = document.querySelector('[data-briefcase]');
    if (!briefcase || installed() || dismissed() || document.querySelector('[data-install-hint]')) return;
    if (!briefcaseFilled() || (!deferred && !isIosSafari)) return;
    const hint = el('section', 'install-hint');
    hint.setAttribute('data-install-hint', '');
    hint.setAttribute('aria-label', 'Install Groundwork');
    hint.appendChild(el('p', '', 'Your territory is on this phone. Add Groundwork to your home screen so the ' +
      'browser never clears it, or changes not yet sent.'));
    const actions = el('p', 'actions');
    if (deferred) {
      actions.appendChild(button('Install Groundwork', 'primary', async () => {
        const prompt = deferred;
        deferred = null;
        prompt.prompt();
        const choice = await prompt.userChoice.catch(() => null);
        if (choice && choice.outcome === 'accepted') dismiss();
        else hint.remove();
      }));
    } else {
      hint.appendChild(el('p', '', 'In Safari: tap Share (the square with an arrow), then “Add to Home Screen”, ' +
        'then Add. Open Groundwork from its icon from then on.'));
    }
    actions.appendChild(button(deferred ? 'Not now' : 'Got it', '', dismiss));
    hint.appendChild(actions);
    briefcase.parentNode.insertBefore(hint, briefcase.nextSibling);
  }

  window.addEventListener('beforeinstallprompt', event => {
    event.preventDefault(); // shown by us, after the briefcase filled, not on arrival
    deferred = event;
    offer();
  });
  window.addEventListener('appinstalled', dismiss);

  // ---- the pending list: unsynced writes in a tab the browser may clear -------------------

  async function warnOnPending() {
    const list = document.getElementById('outbox-list');
    const outbox = window.GroundworkOutbox;
    if (!list || !outbox || installed()) return;
    let warning = document.querySelector('[data-evict-warning]');
    const count = await outbox.count().catch(() => 0);
    if (!count) { if (warning) warning.hidden = true; return; }
    if (!warning) {
      warning = el('p', 'evict-warning');
      warning.setAttribute('data-evict-warning', '');
      warning.setAttribute('role', 'alert');
      list.parentNode.insertBefore(warning, list);
    }
    warning.hidden = false;
    warning.textContent = 'These changes are kept only by this browser tab. A browser may clear a ' +
      'website\u2019s data after some days without a visit (Safari: about a week), and unsent changes ' +
      'with it: sync soon, and add Groundwork to your home screen' +
      (isIosSafari ? ' (Share, then “Add to Home Screen”).' : '.');
  }

  function start() {
    offer();
    const line = document.querySelector('[data-briefcase-result]');
    if (line && window.MutationObserver) {
      new MutationObserver(offer).observe(line, { childList: true, characterData: true, subtree: true });
    }
    warnOnPending();
    if (window.GroundworkOutbox && window.GroundworkOutbox.subscribe) window.GroundworkOutbox.subscribe(warnOnPending);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
