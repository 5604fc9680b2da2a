// My territory: filter as you type and sort, in the browser (no request per keystroke, works
// offline). The page works without this file: the form submits ?q= and ?sort= to the server.
//
// When the whole territory is on the page, the rows themselves are filtered and sorted. A big
// territory comes one page at a time; then the compact index (/accounts/index.json, kept by the
// briefcase for offline use) is loaded once and the matching rows are drawn from it, at most
// RENDER_LIMIT at a time. An index that does not hold every account (an admin's 60,000) leaves
// the search to the server.
(() => {
  "use strict";

  const RENDER_LIMIT = 300;

  function label(iso) {
    if (!iso) return "";
    const when = new Date(iso.replace("Z", ":00Z"));
    if (isNaN(when)) return "";
    const sameYear = when.getFullYear() === new Date().getFullYear();
    return when.toLocaleDateString("en-US", sameYear ? { month: "short", day: "numeric" }
                                                     : { month: "short", year: "numeric" });
  }

  function init(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    const list = document.getElementById("accounts");
    const input = form.querySelector("input[type=search]");
    const select = form.querySelector("select");
    const status = document.getElementById("count");
    if (!list || !input || !select || !status) return;
    const paged = list.getAttribute("data-more") === "1";
    const showOwner = list.getAttribute("data-owner") === "1";
    let rows = null; // every account: {li?, data?, name, text, touch, potential}
    let complete = true;

    function fromPage() {
      return Array.prototype.map.call(list.children, li => {
        const time = li.querySelector("time");
        return {
          li,
          name: li.querySelector("b").textContent.toLowerCase(),
          text: (li.querySelector("b").textContent + " " +
                 li.querySelector("small").textContent).toLowerCase(),
          touch: time ? time.getAttribute("datetime") : "",
          potential: parseInt(li.querySelector("i").textContent, 10) || 0
        };
      });
    }

    function fromIndex(index) {
      return index.rows.map(r => {
        // [id, name, city, industry, touch, potential, owner]
        const small = r[2] + " · " + r[3] + (showOwner && r[6] ? " · " + r[6] : "");
        return { data: r, href: index.detail + r[0], small,
                 name: r[1].toLowerCase(), text: (r[1] + " " + small).toLowerCase(),
                 touch: r[4], potential: r[5] };
      });
    }

    function rowElement(row) {
      if (row.li) return row.li;
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = row.href;
      const b = document.createElement("b");
      b.textContent = row.data[1];
      const small = document.createElement("small");
      small.textContent = row.small;
      a.appendChild(b);
      a.appendChild(small);
      if (row.touch) {
        const time = document.createElement("time");
        time.setAttribute("datetime", row.touch);
        time.textContent = label(row.touch);
        a.appendChild(time);
      } else {
        const never = document.createElement("span");
        never.textContent = "never";
        a.appendChild(never);
      }
      const i = document.createElement("i");
      i.textContent = String(row.potential);
      a.appendChild(i);
      li.appendChild(a);
      row.li = li;
      return li;
    }

    const compare = {
      name: (a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      touch: (a, b) => {
        if (a.touch !== b.touch) return a.touch < b.touch ? 1 : -1; // newest first, never last
        return compare.name(a, b);
      },
      potential: (a, b) => b.potential - a.potential || compare.name(a, b)
    };

    let announceTimer;
    function announce(n, capped) {
      // Debounced so a screen reader hears the result, not every keystroke.
      clearTimeout(announceTimer);
      announceTimer = setTimeout(() => {
        status.textContent = (capped ? "First " + RENDER_LIMIT + " of " : "") + n +
          (n === 1 ? " account" : " accounts");
      }, 400);
    }

    function words() {
      return input.value.toLowerCase().split(/\s+/).filter(Boolean);
    }

    function show() {
      const wanted = words();
      const matches = rows.filter(row => wanted.every(w => row.text.indexOf(w) !== -1));
      if (!paged) { // every row is on the page: hide the others, keep the order
        const set = new Set(matches);
        rows.forEach(row => { row.li.hidden = !set.has(row); });
        announce(matches.length, false);
        return;
      }
      const fragment = document.createDocumentFragment();
      matches.slice(0, RENDER_LIMIT).forEach(row => {
        const li = rowElement(row);
        li.hidden = false;
        fragment.appendChild(li);
      });
      list.replaceChildren(fragment);
      const more = document.getElementById("more-rows");
      if (more) more.hidden = true; // the index holds them all
      announce(matches.length, matches.length > RENDER_LIMIT);
    }

    function sort() {
      rows.sort(compare[select.value] || compare.name);
      if (!paged) {
        const fragment = document.createDocumentFragment();
        rows.forEach(row => { fragment.appendChild(row.li); });
        list.appendChild(fragment);
      } else {
        show();
      }
      // Keep the choice across reloads and Back without asking the server to sort.
      const url = new URL(window.location.href);
      url.searchParams.set("sort", select.value);
      url.searchParams.delete("page");
      history.replaceState(history.state, "", url);
    }

    function ready() {
      form.querySelectorAll("[data-nojs]").forEach(el => { el.hidden = true; });
      input.addEventListener("input", () => {
        if (complete) show();
      });
      select.addEventListener("change", () => {
        if (complete) sort();
        else form.submit();
      });
      form.addEventListener("submit", event => {
        if (!complete) return; // the server searches what the phone does not hold
        event.preventDefault(); // everything already happened; just close the phone keyboard
        input.blur();
      });
      if (input.value && complete) show();
    }

    if (!paged) {
      rows = fromPage();
      ready();
      return;
    }
    loadIndex();

    // Accepting HTML too makes the service worker treat the index like a page: the network
    // first, the briefcase's saved copy when offline.
    async function loadIndex() {
      try {
        const response = await fetch(list.getAttribute("data-index"), {
          credentials: "same-origin", headers: { Accept: "application/json, text/html;q=0.1" }
        });
        if (!response.ok) throw new Error("index " + response.status);
        const index = await response.json();
        complete = index.complete;
        rows = fromIndex(index);
        rows.sort(compare[select.value] || compare.name);
        ready();
      } catch (error) {
        complete = false; // no index: the form and the More link still work
        ready();
      }
    }
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
