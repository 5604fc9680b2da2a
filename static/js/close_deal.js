/* Closing a deal in two steps: first how it ended and what a manager needs, then a separate
 * confirmation that says what will be saved. Without this script the confirm button shows
 * with the fields (one step); the server closes nothing without it either way. */
(() => {
  'use strict';


  function value(form, name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    const input = form.querySelector('input[name="' + name + '"]:not([type=radio])');
    return input ? input.value.trim() : '';
  }

  // The first thing missing, as [message, element to focus]; null when ready to confirm.
  function missing(form) {
    const outcome = value(form, 'outcome');
    if (!outcome) return ['Choose won or lost.', form.querySelector('input[name=outcome]')];
    if (outcome === 'won') {
      const amount = value(form, 'amount');
      if (!amount || isNaN(Number(amount.replace(/[,$\s]/g, '')))) {
        return ['Enter the final amount (0 if none).', form.querySelector('input[name=amount]')];
      }
      return null;
    }
    const reason = value(form, 'reason');
    if (!reason) return ['Choose why it was lost.', form.querySelector('input[name=reason]')];
    if (reason === 'competitor' && !value(form, 'competitor')) {
      return ['Name the competitor who won it.', form.querySelector('input[name=competitor]')];
    }
    return null;
  }

  // Money as the pages write it: the server renders its own (Babel) format of 0 for this
  // deal's currency ("$0", "€0", "CHF 0"), and the amount takes the 0's place.
  function money(form, amount) {
    const format = form.getAttribute('data-money-format') || '$0';
    const digits = amount.toLocaleString('en-US', { minimumFractionDigits: amount % 1 ? 2 : 0,
      maximumFractionDigits: 2 });
    return format.replace('0', digits);
  }

  function summary(form) {
    if (value(form, 'outcome') === 'won') {
      const typed = value(form, 'amount');
      const amount = Number(typed.replace(/[,$\s]/g, ''));
      return 'Close as won at ' + (isNaN(amount) || !typed ? typed : money(form, amount)) + '?';
    }
    // The reason as the rep picked it: the text of its chip.
    const picked = form.querySelector('input[name=reason]:checked');
    const reason = picked && picked.nextElementSibling ? picked.nextElementSibling.textContent.trim() : '';
    const competitor = value(form, 'competitor');
    return 'Close as lost: ' + reason + (competitor ? ', to ' + competitor : '') + '?';
  }

  function show(form, confirming) {
    form.querySelector('.close-fields').hidden = confirming;
    form.querySelector('[data-close-confirm]').hidden = !confirming;
    form.querySelector('[data-close-back]').hidden = !confirming;
  }

  function setUp(form) {
    if (form.hasAttribute('data-steps')) return;
    form.setAttribute('data-steps', '');
    const next = form.querySelector('[data-close-next]');
    const error = form.querySelector('[data-close-error]');
    next.hidden = false;
    show(form, false);
    next.addEventListener('click', () => {
      const problem = missing(form);
      error.hidden = !problem;
      if (problem) {
        error.textContent = problem[0];
        if (problem[1]) problem[1].focus();
        return;
      }
      form.querySelector('[data-close-summary]').textContent = summary(form);
      show(form, true);
      form.querySelector('[data-close-confirm] button[type=submit]').focus();
    });
    form.querySelector('[data-close-back]').addEventListener('click', () => {
      show(form, false);
      next.focus();
    });
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll('form.close-deal'), setUp);
  }

  init(document);
  document.addEventListener('htmx:afterSettle', event => { init(event.target); });
})();
