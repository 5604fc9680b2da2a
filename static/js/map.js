/* The territory on a map (Leaflet): every account of the index with a known position as a
 * marker coloured by potential, the rep's position when they tap "Show where I am", and a card
 * for the account under a tapped marker (its page, directions, Log meeting). Tiles come from
 * the server in data-tiles (GROUNDWORK_TILE_URL), so the map needs a connection: offline it
 * says so and points to Near me, which works without one. */
(() => {
  'use strict';

  const COLOURS = { high: '#0b7a3e', mid: '#c27c00', low: '#6b7280' };

  function band(potential) { return potential >= 70 ? 'high' : potential >= 40 ? 'mid' : 'low'; }

  function directions(lat, lon) {
    return 'https://www.google.com/maps/dir/?api=1&destination=' + lat.toFixed(5) + ',' + lon.toFixed(5);
  }

  function link(text, href, className) {
    const a = document.createElement('a');
    a.className = className || 'button';
    a.href = href;
    a.textContent = text;
    return a;
  }

  function init(root) {
    const L = window.L;
    const box = document.getElementById('territory-map');
    const offline = root.querySelector('[data-map-offline]');
    const status = root.querySelector('[data-map-status]');
    const card = root.querySelector('[data-map-card]');
    const locate = root.querySelector('[data-locate]');

    function needsConnection() {
      offline.hidden = false;
      box.hidden = true;
      locate.hidden = true;
    }

    if (!navigator.onLine || !L) { needsConnection(); return; }

    const map = L.map(box, { zoomControl: true }).setView([39.5, -98.35], 4);
    let tilesLoaded = 0;
    let tileErrors = 0;
    L.tileLayer(root.getAttribute('data-tiles'), {
      maxZoom: 19, attribution: root.getAttribute('data-attribution') || '',
    }).on('tileload', () => { tilesLoaded += 1; })
      .on('tileerror', () => {
        tileErrors += 1;
        if (!tilesLoaded && tileErrors >= 4 && !navigator.onLine) needsConnection();
      }).addTo(map);
    window.addEventListener('offline', () => { if (!tilesLoaded) needsConnection(); });

    function showCard(row) {
      const [id, name, city, industry, , potential, owner, lat, lon] = row;
      const title = document.createElement('h2');
      title.appendChild(link(name, root.getAttribute('data-detail') + id, ''));
      const facts = document.createElement('p');
      facts.className = 'muted';
      facts.textContent = [city, industry, 'potential ' + potential, owner].filter(Boolean).join(' · ');
      const actions = document.createElement('p');
      actions.className = 'actions';
      actions.append(link('Directions', directions(lat, lon)),
        link('Log meeting', root.getAttribute('data-meeting') + '?account_id=' + encodeURIComponent(id), 'button primary'));
      card.replaceChildren(title, facts, actions);
      card.hidden = false;
    }

    (async () => {
      try {
        const response = await fetch(root.getAttribute('data-index'), {
          credentials: 'same-origin', headers: { Accept: 'application/json, text/html;q=0.1' } });
        if (!response.ok) throw new Error('index ' + response.status);
        const index = await response.json();
        // [id, name, city, industry, touch, potential, owner, latitude, longitude]
        const placed = index.rows.filter(r => typeof r[7] === 'number' && typeof r[8] === 'number');
        const markers = placed.map(row => {
          const colour = COLOURS[band(row[5])];
          return L.circleMarker([row[7], row[8]], { radius: 10, color: '#fff', weight: 2, fillColor: colour,
            fillOpacity: 0.9, className: 'account-marker' })
            .on('click', () => { showCard(row); })
            .addTo(map);
        });
        if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 14 });
        box.setAttribute('data-markers', String(markers.length));
        const missing = index.rows.length - placed.length;
        status.textContent = placed.length + ' account' + (placed.length === 1 ? '' : 's') + ' on the map' +
          (missing ? '; ' + missing + ' without a known position (Near me lists them by city).' : '.');
      } catch (err) {
        status.textContent = 'The accounts could not be loaded: try again with signal.';
      }
    })();

    let me = null;
    locate.addEventListener('click', () => {
      if (!navigator.geolocation) { status.textContent = 'This phone cannot tell where it is.'; return; }
      navigator.geolocation.getCurrentPosition(position => {
        const here = [position.coords.latitude, position.coords.longitude];
        if (me) me.setLatLng(here);
        else me = L.circleMarker(here, { radius: 8, color: '#fff', weight: 3, fillColor: '#1a73e8', fillOpacity: 1, className: 'me-marker' }).addTo(map);
        map.setView(here, Math.max(map.getZoom(), 11));
      }, error => {
        status.textContent = error.code === 1 ? 'Location is off for Groundwork.' : 'This phone could not tell where it is just now.';
      }, { timeout: 15000, maximumAge: 120000 });
    });
  }

  function start() { document.querySelectorAll('[data-territory-map]').forEach(init); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
