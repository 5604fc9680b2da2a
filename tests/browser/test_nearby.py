"""Near me and the territory map in a real Chromium at 360 px, with Playwright's geolocation:
the rep's accounts by distance online and in a car park without signal (from the briefcase),
by city without a location; the map draws a marker per account (tiles from a local server)
and says it needs a connection offline."""
from __future__ import annotations

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

RESULT = re.compile(r"\d+ accounts? available offline")
# A 1×1 PNG: every tile the map asks the test tile server for.
TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
# Chicago's Loop; the accounts are 1, 5 and 20 km away, give or take.
HERE = {"latitude": 41.8781, "longitude": -87.6298}


class _Tiles(BaseHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Tiles.requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(TILE)))
        self.end_headers()
        self.wfile.write(TILE)

    def log_message(self, *args):
        pass


@pytest.fixture
def tile_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def territory(live_server):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        make.account(owner=rep, name="Far Foundry", city="Evanston", potential=30,
                     latitude=42.0451, longitude=-87.6877)
        make.account(owner=rep, name="Near Bakery", city="Chicago", potential=80,
                     latitude=41.8840, longitude=-87.6390)
        make.account(owner=rep, name="Mid Motors", city="Chicago", potential=55,
                     latitude=41.9250, longitude=-87.6500)
        make.account(owner=rep, name="Nowhere Inc", city="Aurora")  # no position known
        return rep.email


def _saved(server, page, email):
    server.sign_in(page, email)
    page.goto(server.url + "/")
    expect(page.locator("[data-briefcase-result]")).to_have_text(RESULT, timeout=60_000)


def _expect_near(page, names: list[str]) -> None:
    """The list shows exactly these accounts, in this order (waits for the list to settle)."""
    expect(page.locator("#near-list li a b")).to_have_text(names)


@pytest.mark.briefcase
def test_near_me_sorts_by_distance_online_and_offline(live_server, territory, browser):
    context = browser.new_context(**PHONE, geolocation=HERE, locale="en-GB")
    context.set_default_timeout(15_000)
    context.grant_permissions(["geolocation"], origin=live_server.url)
    page = context.new_page()
    try:
        _saved(live_server, page, territory)
        # Where the browser has its own install prompt, Today offers it once the briefcase is
        # full (the event is made here: headless Chromium never decides a site is installable).
        page.evaluate("""() => { const event = new Event('beforeinstallprompt');
            event.prompt = () => { window.prompted = true; };
            event.userChoice = Promise.resolve({ outcome: 'accepted' });
            window.dispatchEvent(event); }""")
        page.get_by_role("button", name="Install Groundwork").click()
        expect(page.locator("[data-install-hint]")).to_have_count(0)
        assert page.evaluate("window.prompted") is True
        page.goto(live_server.url + "/accounts/near")
        # Before the tap nothing asks for the location: the accounts by city.
        expect(page.locator("#near-list li.group").first).to_have_text("Aurora")
        page.get_by_role("button", name="Find accounts near me").click()
        expect(page.locator("#near-list li a").first).to_contain_text("Near Bakery")
        _expect_near(page, ["Near Bakery", "Mid Motors", "Far Foundry", "Nowhere Inc"])
        # The text as written (the rows are `content-visibility: auto`: Chromium's innerText of a
        # row not yet laid out is empty, which once failed this line when it read innerText).
        expect(page.locator("#near-list .distance").first).to_have_text("0.6 mi")  # en-GB: miles
        page.get_by_role("button", name="km").click()
        expect(page.locator("#near-list .distance").first).to_have_text("1.0 km")
        expect(page.locator("#near-status")).to_contain_text("1 without a position")
        page.get_by_label("Filter by name, city or industry").fill("chicago")
        _expect_near(page, ["Near Bakery", "Mid Motors"])
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        context.set_offline(True)  # the car park
        page.goto(live_server.url + "/accounts/near")
        page.get_by_role("button", name="Find accounts near me").click()
        expect(page.locator("#near-list li a").first).to_contain_text("Near Bakery")
        _expect_near(page, ["Near Bakery", "Mid Motors", "Far Foundry", "Nowhere Inc"])

        # The map needs tiles: offline it says so and points to Near me.
        page.goto(live_server.url + "/accounts/map")
        expect(page.get_by_text("The map needs a connection.")).to_be_visible()
        page.get_by_role("link", name="Accounts near me").click()
        expect(page.get_by_role("heading", name="Near me")).to_be_visible()
    finally:
        context.close()


IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.mark.briefcase
def test_on_iphone_safari_the_install_steps_show_once_and_near_me_without_location_is_by_city(
        live_server, territory, browser):
    context = browser.new_context(**PHONE, user_agent=IPHONE_SAFARI)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # Once the briefcase has filled, Today says how to keep it: the steps, until dismissed.
        _saved(live_server, page, territory)
        hint = page.locator("[data-install-hint]")
        expect(hint).to_contain_text("Add to Home Screen")
        hint.get_by_role("button", name="Got it").click()
        expect(hint).to_have_count(0)
        page.reload()
        expect(page.locator("[data-briefcase-result]")).to_have_text(RESULT, timeout=60_000)
        expect(hint).to_have_count(0)

        # No location permission: near me says so and lists the accounts by city.
        page.goto(live_server.url + "/accounts/near")
        expect(page.locator("#near-list li.group")).to_have_count(3)
        page.get_by_role("button", name="Find accounts near me").click()
        expect(page.locator("#near-status")).to_contain_text("Your accounts by city")
        expect(page.locator("#near-list li.group")).to_have_text(["Aurora", "Chicago", "Evanston"])
    finally:
        context.close()


def test_the_map_draws_a_marker_per_account_with_a_card(live_server, territory, tile_server, browser):
    live_server.app.config["GROUNDWORK_TILE_URL"] = tile_server + "/{z}/{x}/{y}.png"
    live_server.app.config["GROUNDWORK_TILE_ATTRIBUTION"] = "Test tiles"
    context = browser.new_context(**PHONE, geolocation=HERE)
    context.set_default_timeout(15_000)
    context.grant_permissions(["geolocation"], origin=live_server.url)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        live_server.sign_in(page, territory)
        page.goto(live_server.url + "/accounts/map")
        expect(page.locator("#territory-map")).to_have_attribute("data-markers", "3")
        expect(page.locator("path.account-marker")).to_have_count(3)
        expect(page.locator("img.leaflet-tile-loaded").first).to_be_attached()
        assert _Tiles.requested and page.get_by_text("Test tiles").is_visible()
        page.get_by_role("button", name="Show where I am").click()
        expect(page.locator("path.me-marker")).to_have_count(1)
        page.locator("path.account-marker").nth(1).dispatch_event("click")
        card = page.locator("[data-map-card]")
        expect(card).to_be_visible()
        expect(card.get_by_role("link", name="Log meeting")).to_have_attribute(
            "href", re.compile(r"/meetings/new\?account_id=\d+"))
        expect(card.get_by_role("link", name="Directions")).to_have_attribute(
            "href", re.compile(r"^https://www\.google\.com/maps/dir/"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert refused == []
    finally:
        context.close()
