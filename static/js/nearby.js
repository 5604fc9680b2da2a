/* Accounts near me: the rep's accounts sorted by distance from where the phone is, computed
 * here from the territory index (/accounts/index.json, kept by the briefcase), so it works in
 * a car park with no signal. The location is asked for only when the rep taps the button and
 * never leaves the phone. Without it (refused, unavailable) or for accounts without a known
 * position, the list is by city. Distances in km or mi: miles where the phone's language says
 * the US, the UK, Liberia or Myanmar, km elsewhere; the rep's choice is remembered. */
(() => {
  'use strict';

  const RENDER_LIMIT = 200;
  const UNIT_KEY = 'groundwork-distance-unit';
  const MILE_REGIONS = ['US', 'GB', 'LR', 'MM'];
  const KM_PER_MILE = 1.609344;

  // Great-circle distance in km (haversine; the Earth as a sphere is close enough for a car).
  function distanceKm(lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180;
    const dLat = (lat2 - lat1) * rad;
    const dLon = (lon2 - lon1) * rad;
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function defaultUnit() {
    const languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en-US'];
    const region = (String(languages[0]).split('-')[1] || '').toUpperCase();
    return MILE_REGIONS.includes(region) ? 'mi' : 'km';
  }

  function unit() {
    try { return localStorage.getItem(UNIT_KEY) || defaultUnit(); } catch (err) { return defaultUnit(); }
  }

  function shownDistance(km, inUnit) {
    const value = inUnit === 'mi' ? km / KM_PER_MILE : km;
    if (inUnit === 'km' && value < 1) return Math.max(10, Math.round(value * 100) * 10) + ' m';
    return (value < 10 ? value.toFixed(1) : String(Math.round(value))) + ' ' + inUnit;
  }

  function init(root) {
    const list = document.getElementById('near-list');
    const status = document.getElementById('near-status');
    const input = root.querySelector('input[type=search]');
    const locate = root.querySelector('[data-locate]');
    const detail = root.getAttribute('data-detail');
    let rows = [];
    let here = null; // {lat, lon} once the rep tapped and the phone answered
    let problem = '';

    function say(text) { status.textContent = text; }

    function matching() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      return rows.filter(row => words.every(w => row.text.includes(w)));
    }

    function item(row, distance) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = detail + row.id;
      const b = document.createElement('b');
      b.textContent = row.name;
      const small = document.createElement('small');
      small.textContent = [row.city, row.industry].filter(Boolean).join(' · ');
      const far = document.createElement('span');
      far.className = 'distance';
      far.textContent = distance;
      a.append(b, small, far);
      li.appendChild(a);
      return li;
    }

    function heading(text) {
      const li = document.createElement('li');
      li.className = 'group';
      li.textContent = text;
      return li;
    }

    function byCity(items, out) {
      const sorted = items.slice().sort((x, y) => (x.city || '~').localeCompare(y.city || '~') || x.name.localeCompare(y.name));
      let city = null;
      sorted.slice(0, RENDER_LIMIT).forEach(row => {
        if (row.city !== city) { city = row.city; out.push(heading(city || 'No city')); }
        out.push(item(row, ''));
      });
    }

    function draw() {
      const wanted = matching();
      const out = [];
      const inUnit = unit();
      root.querySelectorAll('[data-unit]').forEach(b => b.setAttribute('aria-pressed', String(b.getAttribute('data-unit') === inUnit)));
      if (here) {
        const placed = wanted.filter(r => r.lat !== null && r.lon !== null)
          .map(r => ({ row: r, km: distanceKm(here.lat, here.lon, r.lat, r.lon) }))
          .sort((x, y) => x.km - y.km || x.row.name.localeCompare(y.row.name));
        placed.slice(0, RENDER_LIMIT).forEach(p => out.push(item(p.row, shownDistance(p.km, inUnit))));
        const unplaced = wanted.filter(r => r.lat === null || r.lon === null);
        if (unplaced.length) {
          out.push(heading('No position known: by city'));
          byCity(unplaced, out);
        }
        say(placed.length ? placed.length + ' account' + (placed.length === 1 ? '' : 's') + ' by distance, nearest first' +
          (unplaced.length ? '; ' + unplaced.length + ' without a position, by city below.' : '.')
          : 'None of these accounts has a known position yet. Here they are by city.');
      } else {
        byCity(wanted, out);
        if (problem) say(problem);
      }
      list.replaceChildren(...out);
    }

    function located(position) {
      here = { lat: position.coords.latitude, lon: position.coords.longitude };
      locate.removeAttribute('aria-busy');
      locate.textContent = 'Update my location';
      draw();
    }

    function failed(error) {
      locate.removeAttribute('aria-busy');
      here = null;
      problem = error && error.code === 1
        ? 'Location is off for Groundwork, so distances cannot be shown. Your accounts by city:'
        : 'This phone could not tell where it is just now. Your accounts by city:';
      draw();
    }

    locate.addEventListener('click', () => {
      if (!navigator.geolocation) { failed(null); return; }
      locate.setAttribute('aria-busy', 'true');
      say('Finding where you are…');
      navigator.geolocation.getCurrentPosition(located, failed, { enableHighAccuracy: false, timeout: 15000, maximumAge: 120000 });
    });
    input.addEventListener('input', draw);
    root.querySelector('form').addEventListener('submit', event => { event.preventDefault(); draw(); });
    root.querySelectorAll('[data-unit]').forEach(button => button.addEventListener('click', () => {
      try { localStorage.setItem(UNIT_KEY, button.getAttribute('data-unit')); } catch (err) { /* private mode */ }
      draw();
    }));

    (async () => {
      try {
        // Accepting HTML too makes the service worker treat the index like a page: the network
        // first, its saved copy offline (as territory.js does).
        const response = await fetch(root.getAttribute('data-index'), {
          credentials: 'same-origin', headers: { Accept: 'application/json, text/html;q=0.1' } });
        if (!response.ok) throw new Error('index ' + response.status);
        const index = await response.json();
        // [id, name, city, industry, touch, potential, owner, latitude, longitude]
        rows = index.rows.map(r => ({ id: r[0], name: r[1], city: r[2] || '', industry: r[3] || '',
          lat: typeof r[7] === 'number' ? r[7] : null, lon: typeof r[8] === 'number' ? r[8] : null,
          text: (r[1] + ' ' + r[2] + ' ' + r[3]).toLowerCase() }));
        draw();
      } catch (err) {
        say('Your accounts are not on this phone yet: open Groundwork once with signal.');
      }
    })();
  }

  function start() { document.querySelectorAll('[data-near]').forEach(init); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
