// My territory: filter as you type and sort, in the browser (no request, works offline).
// The page works without this file: the form submits ?q= and ?sort= to the server.
(function () {
  "use strict";

  function init(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var list = document.getElementById("accounts");
    var input = form.querySelector("input[type=search]");
    var select = form.querySelector("select");
    var status = document.getElementById("count");
    if (!list || !input || !select || !status) return;
    form.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });

    // Read each row once: the filter text (name, city, industry, owner) and the sort keys.
    var rows = Array.prototype.map.call(list.children, function (li) {
      var time = li.querySelector("time");
      return {
        li: li,
        name: li.querySelector("b").textContent.toLowerCase(),
        text: (li.querySelector("b").textContent + " " +
               li.querySelector("small").textContent).toLowerCase(),
        touch: time ? time.getAttribute("datetime") : "",
        potential: parseInt(li.querySelector("i").textContent, 10) || 0
      };
    });

    var compare = {
      name: function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; },
      touch: function (a, b) {
        if (a.touch !== b.touch) return a.touch < b.touch ? 1 : -1; // newest first, never last
        return compare.name(a, b);
      },
      potential: function (a, b) { return b.potential - a.potential || compare.name(a, b); }
    };

    var announceTimer;
    function announce(n) {
      // Debounced so a screen reader hears the result, not every keystroke.
      clearTimeout(announceTimer);
      announceTimer = setTimeout(function () {
        status.textContent = n + (n === 1 ? " account" : " accounts");
      }, 400);
    }

    function filter() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var match = words.every(function (w) { return row.text.indexOf(w) !== -1; });
        row.li.hidden = !match;
        if (match) shown++;
      });
      announce(shown);
    }

    function sort() {
      var by = compare[select.value] || compare.name;
      rows.sort(by);
      var fragment = document.createDocumentFragment();
      rows.forEach(function (row) { fragment.appendChild(row.li); });
      list.appendChild(fragment);
      // Keep the choice across reloads and Back without asking the server to sort.
      var url = new URL(window.location.href);
      url.searchParams.set("sort", select.value);
      history.replaceState(history.state, "", url);
    }

    input.addEventListener("input", filter);
    select.addEventListener("change", sort);
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // everything already happened; just close the phone keyboard
      input.blur();
    });
    if (input.value) filter();
  }

  function initAll() {
    document.querySelectorAll("form[data-territory]").forEach(init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
  document.addEventListener("htmx:load", initAll);
})();
