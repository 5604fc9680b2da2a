// Import: show how much of a big file is uploaded, and keep buttons from being pressed twice.
// Both forms work the same without this file (a plain form post); the progress of the check
// and the import after the upload is the page's own (htmx polls it).
(() => {
  "use strict";

  function upload(form) {
    const box = form.querySelector("[data-upload-progress]");
    const bar = box && box.querySelector("progress");
    const text = box && box.querySelector("span");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", event => {
      if (!event.lengthComputable || !bar) return;
      const percent = Math.round((event.loaded / event.total) * 100);
      bar.value = percent;
      text.textContent = "Uploading: " + percent + "%";
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 200 && xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.location.assign(xhr.responseURL);  // redirected to the upload's page
        return;
      }
      // Refused (the message is next to the field): show the page the server answered.
      const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const main = page.querySelector("main");
      if (main) document.querySelector("main").replaceWith(main);
      else form.submit();
    });
    xhr.addEventListener("error", () => {
      form.querySelectorAll("button").forEach(b => { b.disabled = false; });
      if (text) text.textContent = "The upload failed: check the connection and try again.";
    });
    if (box) box.hidden = false;
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", event => {
    const form = event.target;
    if (form.matches("form[data-upload]") && window.FormData && window.DOMParser) {
      event.preventDefault();
      form.querySelectorAll("button").forEach(b => { b.disabled = true; });
      upload(form);
      return;
    }
    if (!form.matches("form[data-import]")) return;
    window.setTimeout(() => {
      form.querySelectorAll("button").forEach(b => { b.disabled = true; });
    }, 0);
  });
})();
