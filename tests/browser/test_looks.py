"""Looks at 360 px: the admin's audit log fits the phone and reads as sentences with names;
a manager's territory preview agrees with the territory's list."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth") <= 0


def test_the_audit_log_fits_a_phone_and_names_people(demo_server, browser):
    from tests.browser.conftest import PHONE

    # The manager signs in and out first: events by someone else than the admin.
    for email in ("manager@example.com", "admin@example.com"):
        context = browser.new_context(**PHONE)
        page = context.new_page()
        demo_server.sign_in(page, email, DEMO_PASSWORD)
        if email == "manager@example.com":
            context.close()
    page.goto(demo_server.url + "/admin/audit")
    events = page.locator("ul.audit > li")
    expect(events.first).to_contain_text("Sam Lindqvist signed in")
    expect(page.locator("ul.audit")).to_contain_text("Dana Whitfield signed in")
    expect(page.locator("ul.audit")).not_to_contain_text("{")
    _no_sideways_scroll(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    context.close()


def test_a_demo_territorys_preview_matches_its_list(demo_server, page):
    demo_server.sign_in(page, "manager@example.com", DEMO_PASSWORD)
    page.goto(demo_server.url + "/territories/")
    page.get_by_role("link", name="Chicago Metro").first.click()  # the territory's rules
    expect(page.locator("#rule-preview")).to_contain_text("75 accounts match these rules")
    _no_sideways_scroll(page)
