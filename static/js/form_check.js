/* What the page can check before anything is queued (required fields, lengths, dates,
 * amounts: the form's own HTML attributes): the message next to the field, in view, with the
 * cursor in it. Text past a field's limit is never cut. */
(() => {
  'use strict';

  const GW = window.Groundwork;
  if (!GW) return;
  const el = GW.el;

  function number(n) { return Number(n).toLocaleString('en-US'); }

  function fieldLabel(field) {
    let label = field.labels && field.labels[0];
    if ((!label || field.type === 'radio' || field.type === 'checkbox') && field.closest) {
      const fieldset = field.closest('fieldset');
      if (fieldset && fieldset.querySelector('legend')) label = fieldset.querySelector('legend');
    }
    const text = label ? label.textContent.trim().replace(/\s+/g, ' ') : '';
    return text || field.name.replace(/_/g, ' ').replace(/^./, c => c.toUpperCase());
  }

  function problemOf(field) {
    const label = fieldLabel(field);
    const max = Number(field.getAttribute('data-maxlength'));
    if (max && field.value.length > max) {
      return label + ' holds at most ' + number(max) + ' characters; this is ' + number(field.value.length)
        + '. Shorten it to save: nothing was cut.';
    }
    const v = field.validity;
    if (!v || v.valid) return '';
    const isDate = /^(date|datetime-local|month|time)$/.test(field.type);
    if (v.valueMissing) {
      return (field.tagName === 'SELECT' || field.type === 'radio' ? 'Choose ' : 'Fill in ') + '“' + label + '”.';
    }
    if (v.badInput) return isDate ? 'Enter a real date, like 2026-03-31.' : 'Enter a number.';
    if (v.typeMismatch) return field.type === 'email' ? 'Enter an e-mail address, like name@example.com.' : 'Check “' + label + '”.';
    if (v.patternMismatch) return field.getAttribute('title') || 'Check the format of “' + label + '”.';
    if (v.rangeUnderflow) return isDate ? 'Enter a date from ' + field.min.slice(0, 10) + ' on.' : 'Enter ' + field.min + ' or more.';
    if (v.rangeOverflow) return isDate ? 'Enter a date up to ' + field.max.slice(0, 10) + '.' : 'Enter at most ' + field.max + '.';
    if (v.tooShort) return '“' + label + '” needs at least ' + field.minLength + ' characters.';
    if (v.stepMismatch) return 'Check “' + label + '”.';
    return field.validationMessage || 'Check “' + label + '”.';
  }

  function clearError(field) {
    const form = field.form;
    const group = field.type === 'radio' && form ? form.querySelectorAll('input[type=radio][name="' + CSS.escape(field.name) + '"]') : [field];
    Array.prototype.forEach.call(group, f => { f.removeAttribute('aria-invalid'); });
    const error = document.getElementById(errorId(field));
    if (error && error.hasAttribute('data-client-error')) error.remove();
    else if (error) error.hidden = true;
    const wrap = field.closest && field.closest('.field, fieldset');
    if (wrap) wrap.classList.remove('invalid');
  }

  function errorId(field) {
    return (field.type === 'radio' ? field.name : (field.id || field.name)) + '-error';
  }

  function showError(field, message) {
    const id = errorId(field);
    let error = document.getElementById(id);
    const wrap = (field.closest && field.closest('.field, fieldset')) || field.parentNode;
    if (!error) {
      error = el('p', 'error');
      error.id = id;
      error.setAttribute('data-client-error', '');
      const after = field.type === 'radio' ? wrap.lastChild : field;
      if (after && after.parentNode === wrap) after.after(error); else wrap.appendChild(error);
    }
    error.hidden = false;
    error.textContent = message;
    wrap.classList.add('invalid');
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', id);
  }

  function validate(form) {
    let first = null;
    const seen = {};
    Array.prototype.forEach.call(form.elements, field => {
      if (!field.name || field.disabled || field.type === 'hidden' || !field.willValidate) return;
      if (field.type === 'radio') { if (seen[field.name]) return; seen[field.name] = true; }
      const message = problemOf(field);
      if (!message) { if (field.getAttribute('aria-invalid') === 'true') clearError(field); return; }
      showError(field, message);
      if (!first) first = field;
    });
    if (!first) return true;
    first.scrollIntoView({ block: 'center' });
    first.focus({ preventScroll: true });
    return false;
  }

  document.addEventListener('input', event => {
    const field = event.target;
    if (field && field.form && field.form.hasAttribute('data-outbox') && field.getAttribute('aria-invalid') === 'true'
        && !problemOf(field)) {
      clearError(field);
    }
  });

  // Text past a field's limit is never cut (outbox forms): the browser's maxlength would cut a paste
  // silently, so the limit becomes a counter and a message, checked before saving.
  function guardLengths(root) {
    Array.prototype.forEach.call(root.querySelectorAll('form[data-outbox] textarea[maxlength], form[data-outbox] input[maxlength]'), field => {
      const max = field.maxLength;
      field.removeAttribute('maxlength');
      if (!(max > 0)) return;
      field.setAttribute('data-maxlength', String(max));
      const counter = el('p', 'hint count');
      counter.id = (field.id || field.name) + '-count';
      counter.setAttribute('aria-live', 'polite');
      counter.hidden = true;
      field.after(counter);
      const update = () => {
        const length = field.value.length;
        counter.hidden = length < max * 0.8;
        counter.classList.toggle('error', length > max);
        counter.textContent = length > max
          ? number(length) + ' characters: ' + number(length - max) + ' over the limit of ' + number(max)
            + '. Nothing was cut; shorten it to save.'
          : number(length) + ' of ' + number(max) + ' characters.';
      };
      field.addEventListener('input', update);
      update();
    });
  }

  Object.assign(GW, { fieldLabel, validate, guardLengths });
})();
