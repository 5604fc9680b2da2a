"""A territory bigger than one page (issue 13, item 2): the server sends the first 300 rows and
a More link; the instant filter and the sorting still cover every account, online and
offline, from the compact index the briefcase keeps."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from tests.browser.conftest import PASSWORD
from webapp.models import Account

pytestmark = pytest.mark.briefcase  # each test reads the territory the briefcase saved

N = 420


def test_filter_and_sort_cover_the_whole_territory_online_and_offline(live_server, page, phone):
    with live_server.ctx() as session:
        rep = live_server.make.user("rep", email="big@example.com")
        session.execute(insert(Account), [
            {"name": f"Account {i:03d}", "city": "Milwaukee" if i % 2 else "Chicago",
             "industry": "Retail", "potential": i % 97, "owner_id": rep.id,
             "last_touch_at": datetime(2026, 11, 1) - timedelta(hours=i)}
            for i in range(N)])
        session.commit()

    live_server.sign_in(page, "big@example.com", PASSWORD)
    page.goto(live_server.url + "/accounts/")
    rows = page.locator("#accounts > li:not([hidden])")
    expect(rows).to_have_count(300)
    expect(page.get_by_role("link", name="More accounts")).to_be_visible()

    # The last account by name is not on the first page; the filter finds it at once.
    page.get_by_label("Filter by name, city or industry").fill("Account 419")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Account 419")
    expect(page.locator("#count")).to_have_text("1 account")
    page.get_by_label("Filter by name, city or industry").fill("")
    expect(page.locator("#count")).to_have_text(f"First 300 of {N} accounts")

    # Sorting covers every account too: the highest potential (96) comes first.
    page.get_by_label("Sort by").select_option("potential")
    expect(rows.first.locator("i")).to_have_text("96")
    assert "sort=potential" in page.url

    # Save the territory, lose signal: the same filter works from the saved index.
    page.goto(live_server.url + "/more")
    expect(page.locator("[data-briefcase-result]")).to_have_text(
        re.compile(rf"{N} accounts available offline"), timeout=90_000)
    phone.set_offline(True)
    page.goto(live_server.url + "/accounts/")
    expect(page.locator(".offline-copy")).to_contain_text("Offline copy from")
    page.get_by_label("Filter by name, city or industry").fill("account 41")
    expect(rows).to_have_count(14)  # every word anywhere: 041, 141, 241, 341, 410 … 419
    page.get_by_label("Filter by name, city or industry").fill("account 418")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Account 418")

    # The log-meeting picker and the new-account duplicate check search the same index offline,
    # so an account beyond the list's first page is found, not made again.
    page.goto(live_server.url + "/meetings/new")
    page.get_by_label("Account", exact=True).fill("account 419")
    expect(page.get_by_role("radio", name="Account 419 · Milwaukee")).to_be_visible()
    page.goto(live_server.url + "/accounts/new")
    page.get_by_label("Company name").fill("Account 418")
    page.get_by_role("button", name="Add account").click()
    offer = page.locator("#did-you-mean")
    expect(offer).to_contain_text("Account 418")
    assert page.evaluate("() => window.GroundworkOutbox.count()") == 0
    phone.set_offline(False)
