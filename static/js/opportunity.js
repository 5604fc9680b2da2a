// Opportunity page: htmx drops 4xx answers by default; ours carry the form with its errors (400)
// and the conflict screen (409), which the rep must see.
document.addEventListener("htmx:beforeSwap", event => {
  const status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
