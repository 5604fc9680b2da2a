"""Accounts near me and the territory map: the index the phone sorts by distance carries each
account's position at the end of its row, the pages are kept for offline use, and the map's
page lets images come from exactly the tile server of the setting."""
from __future__ import annotations

import json

import pytest

from webapp.security import CSP, csp_with_tiles


def test_the_index_ends_each_row_with_the_accounts_position(client, make, login):
    rep = make.user("rep")
    placed = make.account(owner=rep, name="Acme", latitude=41.8781234, longitude=-87.6298)
    make.account(owner=rep, name="Zeta")  # no position known
    make.account(owner=make.user("rep"), name="Not mine", latitude=1.0, longitude=1.0)
    login(rep)
    rows = json.loads(client.get("/accounts/index.json").data)["rows"]
    assert [r[1] for r in rows] == ["Acme", "Zeta"]
    assert rows[0][0] == placed.id and rows[0][7:] == [41.87812, -87.6298]
    assert rows[1][7:] == [None, None]
    assert len(rows[0]) == 9  # the first seven as before, unchanged


def test_near_me_and_the_map_are_kept_for_offline_and_reached_from_the_territory(client, make, login):
    rep = make.user("rep")
    login(rep)
    pages = json.loads(client.get("/offline/manifest.json").data)["pages"]
    assert "/accounts/near" in pages and "/accounts/map" in pages
    territory = client.get("/accounts/").get_data(as_text=True)
    assert 'href="/accounts/near"' in territory and 'href="/accounts/map"' in territory
    near = client.get("/accounts/near").get_data(as_text=True)
    assert "Find accounts near me" in near and 'data-index="/accounts/index.json"' in near


def test_the_map_page_allows_images_from_exactly_the_tile_server(client, make, login, app):
    login(make.user("rep"))
    response = client.get("/accounts/map")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in csp
    assert csp.replace(" https://tile.openstreetmap.org", "") == CSP
    assert "OpenStreetMap" in response.get_data(as_text=True)  # the attribution its terms ask for
    # Every other page keeps the plain policy.
    assert client.get("/accounts/near").headers["Content-Security-Policy"] == CSP

    app.config["GROUNDWORK_TILE_URL"] = "https://tiles.example.net:8443/osm/{z}/{x}/{y}.png"
    csp = client.get("/accounts/map").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.net:8443;" in csp


@pytest.mark.parametrize("tile_url, allowed", [
    ("https://{s}.tile.example.com/{z}/{x}/{y}.png", "https://*.tile.example.com"),
    ("/tiles/{z}/{x}/{y}.png", None),  # this site: 'self' is enough
    ("https://evil.example; script-src *;/{z}.png", None),
    ("javascript:alert(1)", None),
])
def test_a_tile_setting_adds_its_host_and_nothing_else(tile_url, allowed):
    csp = csp_with_tiles(tile_url)
    if allowed is None:
        assert csp == CSP
    else:
        assert csp == CSP.replace("img-src 'self' data:;", f"img-src 'self' data: {allowed};")


def test_signed_out_visitors_get_neither_page(client):
    for page in ("/accounts/near", "/accounts/map"):
        response = client.get(page)
        assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
