// The phone as the rep's hub (issue 15): "Share" buttons (templates/calendar/_account.html)
// open the phone's share sheet (Web Share API) or, without it, copy the summary to the
// clipboard and say so; "Pick from my phone" (templates/vcards/import.html) uses the Contact
// Picker API where the browser has it and sends the picked people as vCard text to the same
// review page a .vcf file goes to (duplicates offered there, not created).
(() => {
  'use strict';

  function summaryOf(button) {
    return {
      title: button.getAttribute('data-share-title') || document.title,
      text: button.getAttribute('data-share-text') || '',
      url: button.getAttribute('data-share-url') || undefined
    };
  }

  function say(button, message) {
    const section = button.closest('section') || document.body;
    const status = section.querySelector('.copied');
    if (!status) return;
    status.textContent = message;
    status.hidden = false;
  }

  async function share(button) {
    const data = summaryOf(button);
    if (navigator.share) {
      try {
        await navigator.share(data);
        return;
      } catch (error) {
        if (error && error.name === 'AbortError') return; // the rep closed the sheet
      }
    }
    const text = [data.text, data.url].filter(Boolean).join('\n');
    try {
      await navigator.clipboard.writeText(text);
      say(button, 'Copied: paste it in a message.');
    } catch (error) {
      say(button, 'Could not copy here. Select the text on the page instead.');
    }
  }

  function showButtons(root) {
    root.querySelectorAll('button.share[hidden]').forEach(button => {
      if (navigator.share || navigator.clipboard) button.hidden = false;
    });
    root.querySelectorAll('[data-contact-picker][hidden], [data-contact-picker-fill][hidden]').forEach(button => {
      if (navigator.contacts && navigator.contacts.select) button.hidden = false;
    });
  }

  function escapeValue(value) {
    return String(value || '').replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;')
      .replace(/\r?\n/g, '\\n');
  }

  // What the Contact Picker gives ({name: [], email: [], tel: []} each) as vCard text.
  function asVCards(people) {
    return people.map(person => {
      const name = (person.name || [])[0] || (person.email || [])[0] || '';
      const lines = ['BEGIN:VCARD', 'VERSION:3.0', 'FN:' + escapeValue(name)];
      if ((person.tel || [])[0]) lines.push('TEL:' + escapeValue(person.tel[0]));
      if ((person.email || [])[0]) lines.push('EMAIL:' + escapeValue(person.email[0]));
      lines.push('END:VCARD');
      return lines.join('\r\n');
    }).join('\r\n');
  }

  async function pick(button) {
    const form = button.closest('form');
    try {
      const people = await navigator.contacts.select(['name', 'email', 'tel'], { multiple: true });
      if (!people || !people.length) return;
      form.querySelector('[name="picked"]').value = asVCards(people);
      form.requestSubmit();
    } catch (error) {
      say(button, 'Your phone did not share its contacts.');
    }
  }

  // The new-contact form: one person from the phone fills its name, phone and e-mail.
  async function fill(button) {
    const form = button.closest('form');
    try {
      const [person] = await navigator.contacts.select(['name', 'email', 'tel'], { multiple: false });
      if (!person) return;
      const values = { name: (person.name || [])[0], phone: (person.tel || [])[0], email: (person.email || [])[0] };
      Object.keys(values).forEach(name => {
        const input = form.querySelector('[name="' + name + '"]');
        if (input && values[name]) input.value = values[name];
      });
      const name = form.querySelector('[name="name"]');
      if (name) name.focus();
    } catch (error) {
      // The rep closed the picker, or the phone refused: the form stays as it was.
    }
  }

  document.addEventListener('click', event => {
    const filler = event.target.closest('[data-contact-picker-fill]');
    if (filler) {
      event.preventDefault();
      fill(filler);
      return;
    }
    const shareButton = event.target.closest('button.share');
    if (shareButton) {
      event.preventDefault();
      share(shareButton);
      return;
    }
    const picker = event.target.closest('[data-contact-picker]');
    if (picker) {
      event.preventDefault();
      pick(picker);
    }
  });
  document.addEventListener('htmx:afterSwap', event => showButtons(event.target));
  showButtons(document);
})();
