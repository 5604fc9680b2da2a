"""Issue 2's flow on a phone-sized Chromium: sign in, filter the territory, open an account,
log a meeting, move an opportunity's stage, and see both on the account page."""
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect


def _territory(live_server):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field", email="dana@example.com")
        other = make.user("rep", name="Sam Other")
        harbor = make.account(rep, name="Harbor Logistics", city="Milwaukee", industry="Logistics")
        make.account(rep, name="Prairie Foods", city="Madison", industry="Food")
        make.account(rep, name="Lakeshore Clinics", city="Chicago", industry="Healthcare")
        make.account(other, name="Not Mine Inc", city="Chicago", industry="Retail")
        make.contact(harbor, name="Ana Ruiz", title="COO", phone="+1 414 555 0100",
                     email="ana@harbor.example")
        make.opportunity(harbor, name="Fleet telematics", stage="qualified", qualified=True,
                         amount=Decimal("120000"), close_on=date(2027, 2, 15))
        return rep.email, harbor.id


def test_rep_filters_territory_logs_meeting_and_moves_stage(live_server, page):
    email, harbor_id = _territory(live_server)
    live_server.sign_in(page, email)

    page.get_by_role("link", name="Territory").click()
    rows = page.locator("#accounts li")
    expect(rows).to_have_count(3)  # another rep's account is not there
    page.get_by_label("Filter by name, city or industry").fill("milw")
    expect(page.locator("#accounts li:visible")).to_have_count(1)
    expect(page.locator("#count")).to_contain_text("1 account")

    page.get_by_role("link", name="Harbor Logistics").click()
    expect(page.get_by_role("heading", name="Harbor Logistics")).to_be_visible()
    expect(page.get_by_role("link", name="Call Ana Ruiz").or_(page.locator("a[href^='tel:']").first)).to_be_visible()

    page.get_by_role("link", name="Log meeting").first.click()
    expect(page.locator("main")).to_contain_text("Harbor Logistics")  # preselected
    page.get_by_label("Notes", exact=True).fill("Walked the warehouse floor; they want a pilot in March.")
    page.get_by_role("button", name="Save meeting").click()

    page.wait_for_url(f"**/accounts/{harbor_id}**")
    meetings = page.locator("#meetings")
    expect(meetings).to_contain_text("they want a pilot in March")
    expect(meetings).to_contain_text("In person")

    page.get_by_role("link", name="Fleet telematics").click()
    page.get_by_role("button", name="Proposal").click()
    expect(page.get_by_role("button", name="Proposal")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("ol.history")).to_contain_text("Proposal")

    page.goto(f"{live_server.url}/accounts/{harbor_id}")
    expect(page.locator("#opportunities")).to_contain_text("Proposal")
    expect(page.locator("#meetings")).to_contain_text("they want a pilot in March")


def test_territory_page_fits_a_360px_phone(live_server, page):
    email, _ = _territory(live_server)
    live_server.sign_in(page, email)
    page.goto(live_server.url + "/accounts/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    # Every link and button in the bottom navigation is a large tap target.
    for box in page.locator("nav.bottom a").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"):
        assert box >= 44
