"""Customer success and reference lunches in a 360 px Chromium: health and goal set offline
reach the server once and show in the renewals list; a hard-to-reach prospect's reference
suggestions draft the invitation in one tap and lead to the lunch to log."""
from __future__ import annotations

from datetime import date
from urllib.parse import unquote

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.test_offline_writes import (
    controlled,
    outbox_count,
    ready,
    wait_until_synced,
    without_background_sync,
)
from webapp.models import Account, AccountSuccess, ClientWrite, Opportunity, ReferenceAsk


def no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_health_and_goal_set_offline_sync_once_and_show_in_the_renewals_list(live_server, phone):
    with live_server.ctx():
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        account = make.account(owner=rep, name="Lakeside Metal", status="customer",
                               renewal_on=date(2027, 1, 20))
        make.account(owner=make.user("rep"), name="Someone Elses Co", status="customer",
                     renewal_on=date(2027, 1, 10))
        email, account_id = rep.email, account.id
    without_background_sync(phone)
    page = phone.new_page()
    live_server.sign_in(page, email)
    controlled(page)
    page.goto(f"{live_server.url}/renewals")
    page.goto(f"{live_server.url}/accounts/{account_id}")
    ready(page)

    phone.set_offline(True)
    page.goto(f"{live_server.url}/accounts/{account_id}")
    ready(page)
    page.get_by_text("Update health, goals, renewal").click()
    page.get_by_text("At risk", exact=True).click()
    page.get_by_label("Why").fill("Our champion left in September")
    page.get_by_label("Their goal").fill("Cut scrap by 20 % this year")
    no_sideways_scroll(page)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/accounts/{account_id}")
    ready(page)
    assert outbox_count(page) == 1
    with live_server.ctx() as session:
        assert session.get(AccountSuccess, account_id) is None

    phone.set_offline(False)
    wait_until_synced(page)
    with live_server.ctx() as session:
        row = session.get(AccountSuccess, account_id)
        assert (row.health, row.health_reason) == ("at_risk", "Our champion left in September")
        assert session.get(Account, account_id).customer_goal == "Cut scrap by 20 % this year"
        assert session.scalar(select(func.count()).select_from(ClientWrite)) == 1
        # Renewing within 120 days: its renewal deal was made with the save.
        assert session.scalars(select(Opportunity.name)).all() == ["Renewal: Lakeside Metal"]

    page.goto(f"{live_server.url}/renewals")
    renewal = page.locator("ul.renewals li").filter(has_text="Lakeside Metal")
    expect(renewal).to_contain_text("At risk")
    expect(renewal).to_contain_text("Our champion left in September")
    expect(renewal).to_contain_text("renewal deal open")
    expect(page.locator("ul.renewals")).not_to_contain_text("Someone Elses Co")
    no_sideways_scroll(page)


def test_reference_suggestions_draft_the_invitation_and_lead_to_the_lunch(live_server, phone):
    with live_server.ctx() as session:
        make = live_server.make
        rep = make.user("rep", name="Dana Field")
        prospect = make.account(owner=rep, name="Prairie Foods", industry="Food",
                                latitude=41.88, longitude=-87.63)
        make.contact(prospect, name="Sam Ortiz", email="sam@prairie.example")
        host = make.account(owner=rep, name="Lakeside Metal", industry="Metal",
                            status="customer", latitude=41.95, longitude=-87.70)
        make.contact(host, name="Ann Lee", title="COO", email="ann@lakeside.example")
        session.add(AccountSuccess(account_id=host.id, outcome="", health="good",
                                   health_reason="Renewed early", reference_willing=True))
        session.commit()
        email, prospect_id, host_id = rep.email, prospect.id, host.id
    page = phone.new_page()
    live_server.sign_in(page, email)
    page.goto(f"{live_server.url}/accounts/{prospect_id}")
    page.get_by_role("link", name="Find a reference customer").click()
    suggestion = page.locator("ul.references li").filter(has_text="Lakeside Metal")
    expect(suggestion).to_contain_text("Host: Ann Lee, COO")
    expect(suggestion).to_contain_text("willing reference")
    no_sideways_scroll(page)
    invite = suggestion.get_by_role("link", name="Draft invitation")
    mailto = unquote(invite.get_attribute("href"))
    assert mailto.startswith("mailto:sam@prairie.example,ann@lakeside.example?subject=Lunch with")
    assert "Hi Sam," in mailto

    invite.click()  # opens the mail app, and records the ask through the outbox
    page.wait_for_url(f"**/meetings/new?account_id={prospect_id}&kind=lunch*")
    expect(page.get_by_role("radio", name="Lunch")).to_be_checked()
    with live_server.ctx() as session:
        [ask] = session.scalars(select(ReferenceAsk)).all()
        assert (ask.reference_id, ask.prospect_id) == (host_id, prospect_id)
    page.goto(f"{live_server.url}/accounts/{prospect_id}/references")
    expect(page.locator("ul.references li").filter(has_text="Lakeside Metal")).to_contain_text(
        "asked 1× this year")
