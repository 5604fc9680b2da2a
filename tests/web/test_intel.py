"""Vendor pals, intel on accounts and market news (issue 14 item 3), and one-sided deals
(item 5), through the pages a rep and a manager use."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Commitment, Intel, PalMeeting, VendorPal


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def post_intel(client, account, **fields):
    data = {"client_id": str(uuid.uuid4()), "account_id": str(account.id),
            "body": "Their CIO is leaving in March", "learned_on": "2026-11-20", **fields}
    return client.post("/intel/new", data=data)


def a_pal(make, rep, **kw) -> VendorPal:
    pal = VendorPal(user_id=rep.id, name=kw.pop("name", "Sam Ortiz"),
                    company=kw.pop("company", "Northwind Networks"), sells="Networking", **kw)
    db.session.add(pal)
    db.session.commit()
    return pal


# --- intel on an account ---------------------------------------------------------------------

def test_rep_posts_intel_from_a_contact_and_sees_it_on_the_account_page(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Acme Foods")
    ana = make.contact(account, name="Ana Ruiz")
    login(rep)

    response = post_intel(client, account, source=f"c{ana.id}")

    assert response.status_code == 303
    assert response.location.endswith(f"/accounts/{account.id}#intel")
    page = text(client.get(f"/accounts/{account.id}"))
    assert "Their CIO is leaving in March" in page
    assert "3 days ago · from Ana Ruiz" in page and "Stale" not in page


def test_the_account_page_shows_the_newest_three_and_marks_stale_intel(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    db.session.add_all([Intel(user_id=rep.id, account_id=account.id, body=f"Item {n}",
                              learned_on=learned, source_text="a friend")
                        for n, learned in enumerate([date(2026, 3, 1), date(2026, 11, 1),
                                                     date(2026, 11, 10), date(2026, 2, 1)])])
    db.session.commit()
    login(rep)

    page = text(client.get(f"/accounts/{account.id}"))

    assert "Item 2" in page and "Item 1" in page and "Item 0" in page and "Item 3" not in page
    assert page.index("Item 2") < page.index("Item 1") < page.index("Item 0")
    assert page.count("Stale") == 1  # March is older than a quarter
    assert "Newest 3 of 4." in page


def test_a_manager_posts_intel_on_a_reps_account_and_the_rep_reads_it(client, make, login, app):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    account = make.account(owner=rep)
    login(manager)
    assert post_intel(client, account, source_text="Their CFO at a conference").status_code == 303
    client.post("/logout")

    login(rep)
    page = text(client.get(f"/accounts/{account.id}"))
    assert "Their CIO is leaving in March" in page and "from Their CFO at a conference" in page


def test_a_rep_never_sees_or_writes_intel_of_an_account_they_may_not_see(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    mine, theirs = make.account(owner=rep), make.account(owner=other, name="Other Co")
    their_contact = make.contact(theirs, name="Olga Secret")
    db.session.add(Intel(user_id=other.id, account_id=theirs.id, body="Secret budget news",
                         learned_on=date(2026, 11, 20), source_text=""))
    db.session.commit()
    their_pal = a_pal(make, other, name="Pat Hidden")
    login(rep)

    assert post_intel(client, theirs).status_code == 404
    assert client.get(f"/intel/new?account_id={theirs.id}").status_code == 404
    assert client.get(f"/accounts/{theirs.id}").status_code == 404
    # Naming another account's contact or another rep's pal as the source is a 404 too.
    assert post_intel(client, mine, source=f"c{their_contact.id}").status_code == 404
    assert post_intel(client, mine, source=f"p{their_pal.id}").status_code == 404
    for path in ("/", f"/accounts/{mine.id}", "/intel/pals", "/intel/pals/meeting"):
        page = text(client.get(path))
        assert "Secret budget news" not in page and "Pat Hidden" not in page, path
    assert count(Intel) == 1


def test_bad_intel_is_explained_next_to_the_field_and_nothing_is_saved(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)

    blank = post_intel(client, account, body="   ", source_text="Keep this")
    assert blank.status_code == 400
    assert "Write what you learned." in text(blank) and 'value="Keep this"' in text(blank)
    future = post_intel(client, account, learned_on="2027-01-05")
    assert future.status_code == 400 and "learned today or before" in text(future)
    assert "Their CIO is leaving in March" in text(future)
    not_a_date = post_intel(client, account, learned_on="2026-02-30")
    assert not_a_date.status_code == 400 and "Enter a real date" in text(not_a_date)
    too_long = post_intel(client, account, body="x" * 2001)
    assert too_long.status_code == 400 and "under 2,000 characters" in text(too_long)
    assert post_intel(client, account, account_id="abc").status_code == 404
    assert count(Intel) == 0


def test_the_same_intel_sent_twice_is_saved_once(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    key = str(uuid.uuid4())

    first = post_intel(client, account, client_id=key)
    again = post_intel(client, account, client_id=key)

    assert first.status_code == again.status_code == 303
    assert again.location == first.location
    assert count(Intel) == 1


# --- vendor pals and the vendor-pal meeting ---------------------------------------------------

def test_rep_keeps_vendor_pals_that_nobody_else_sees(client, make, login, app):
    rep, other = make.user("rep"), make.user("rep")
    login(rep)
    response = client.post("/intel/pals", data={
        "client_id": str(uuid.uuid4()), "name": "Sam Ortiz", "company": "Northwind Networks",
        "sells": "Networking gear", "phone": "+1 312 555 0100", "email": "Sam@Northwind.example"})
    assert response.status_code == 303
    page = text(client.get("/intel/pals"))
    assert "Sam Ortiz · Northwind Networks" in page and "Networking gear" in page
    assert db.session.scalar(select(VendorPal.email)) == "sam@northwind.example"
    missing = client.post("/intel/pals", data={"name": "Lee", "company": " "})
    assert missing.status_code == 400 and "Enter their company." in text(missing)
    client.post("/logout")

    login(other)
    assert "Sam Ortiz" not in text(client.get("/intel/pals"))
    pal = db.session.scalar(select(VendorPal))
    assert client.get(f"/intel/pals/meeting?pal_id={pal.id}").status_code == 404


def test_a_vendor_pal_meeting_becomes_intel_on_each_account_and_touches_the_pal(client, make,
                                                                                login):
    rep = make.user("rep")
    acme, beta, gamma = (make.account(owner=rep, name=n) for n in ("Acme", "Beta", "Gamma"))
    pal = a_pal(make, rep)
    login(rep)
    key = str(uuid.uuid4())
    data = {"client_id": key, "pal_id": str(pal.id), "met_on": "2026-11-19",
            "account_1": str(acme.id), "learned_1": "Acme is moving its data centre",
            "account_2": str(beta.id), "learned_2": "Beta froze budgets until Q2",
            "account_3": str(gamma.id), "learned_3": "Gamma hired a new CISO"}

    assert client.post("/intel/pals/meeting", data=data).status_code == 303
    assert client.post("/intel/pals/meeting", data=data).status_code == 303  # a replay

    assert count(PalMeeting) == 1 and count(Intel) == 3
    db.session.refresh(pal)
    assert pal.last_met_on == date(2026, 11, 19)
    page = text(client.get(f"/accounts/{beta.id}"))
    assert "Beta froze budgets until Q2" in page and "from Sam Ortiz (Northwind Networks)" in page
    assert "Acme is moving" not in page
    assert "met Thu Nov 19 · 3 intel" in text(client.get("/intel/pals"))


def test_a_vendor_pal_meeting_refuses_half_lines_and_unseen_accounts(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    mine, theirs = make.account(owner=rep), make.account(owner=other)
    pal = a_pal(make, rep)
    login(rep)
    base = {"pal_id": str(pal.id), "met_on": "2026-11-19"}

    half = client.post("/intel/pals/meeting", data={**base, "account_1": str(mine.id)})
    assert half.status_code == 400 and "Write what you learned about this account." in text(half)
    no_account = client.post("/intel/pals/meeting", data={**base, "learned_2": "Kept text"})
    assert no_account.status_code == 400 and "Choose the account." in text(no_account)
    assert "Kept text" in text(no_account)
    empty = client.post("/intel/pals/meeting", data=base)
    assert empty.status_code == 400 and "Add at least one account" in text(empty)
    twice = client.post("/intel/pals/meeting", data={
        **base, "account_1": str(mine.id), "learned_1": "a", "account_2": str(mine.id),
        "learned_2": "b"})
    assert twice.status_code == 400 and "Name each account once." in text(twice)
    no_pal = client.post("/intel/pals/meeting", data={**base, "pal_id": "0"})
    assert no_pal.status_code == 400 and "Choose the vendor pal." in text(no_pal)
    unseen = client.post("/intel/pals/meeting", data={
        **base, "account_1": str(theirs.id), "learned_1": "snooping"})
    assert unseen.status_code == 404
    assert count(Intel) == 0 and count(PalMeeting) == 0


# --- market news ------------------------------------------------------------------------------

def test_a_managers_market_news_reaches_the_teams_today_and_no_other_team(client, make, login,
                                                                          app):
    manager, other_manager = make.user("manager"), make.user("manager")
    rep = make.user("rep", manager=manager)
    outsider = make.user("rep", manager=other_manager)
    login(manager)
    assert client.post(f"/pipeline/one-to-ones/{rep.id}/2026-11-23/intel", data={
        "body": "Competitor X raised prices 15%", "audience": "team"}).status_code == 303
    assert "Competitor X raised prices 15%" in text(client.get("/"))
    client.post("/logout")

    login(rep)
    assert "Competitor X raised prices 15%" in text(client.get("/"))
    client.post("/logout")
    login(outsider)
    assert "Competitor X" not in text(client.get("/"))


# --- equality of effort -------------------------------------------------------------------------

def promise(make, account, meeting, kept, due_on=date(2026, 11, 10), party="theirs"):
    db.session.add(Commitment(account_id=account.id, meeting_id=meeting.id, party=party,
                              description=f"Promise {kept}", due_on=due_on, kept=kept))
    db.session.commit()


def test_a_deal_whose_prospect_broke_three_promises_is_flagged_everywhere(client, make, login):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    account = make.account(owner=rep, name="Acme Foods")
    deal = make.opportunity(account, name="Acme Roll-out")
    healthy = make.opportunity(account, name="Acme Pilot")
    meeting = make.meeting(account, rep, opportunity_id=deal.id, initiated_by="them")
    other_meeting = make.meeting(account, rep, opportunity_id=healthy.id, initiated_by="them")
    promise(make, account, meeting, False)
    promise(make, account, meeting, None)  # overdue counts as not kept
    promise(make, account, other_meeting, True)
    promise(make, account, meeting, True, party="ours")
    login(rep)
    assert "One-sided" not in text(client.get(f"/opportunities/{deal.id}"))

    promise(make, account, meeting, False)

    page = text(client.get(f"/opportunities/{deal.id}"))
    assert "One-sided" in page and "They kept none of their last 3 commitments" in page
    assert "Move on, or get a real commitment from them." in page
    assert "They kept 0, missed 2, 1 overdue" in page and "we kept 1" in page
    assert "One-sided" not in text(client.get(f"/opportunities/{healthy.id}"))
    # The account counts both deals' promises: theirs and ours, and who asked for the meetings.
    account_page = text(client.get(f"/accounts/{account.id}"))
    assert "They kept 1, missed 2, 1 overdue" in account_page
    assert "we kept 1, missed 0" in account_page and "0 we asked, 2 they asked" in account_page
    pipeline = text(client.get("/pipeline/"))
    assert "One-sided deals" in pipeline and "Acme Roll-out" in pipeline
    assert pipeline.count('<span class="tag warn">One-sided</span>') == 1
    client.post("/logout")

    login(manager)
    week = "2026-11-23"
    page = text(client.get(f"/pipeline/one-to-ones/{rep.id}/{week}"))
    assert f"/pipeline/reps/{rep.id}/one-sided" in page
    section = text(client.get(f"/pipeline/reps/{rep.id}/one-sided", headers={"HX-Request": "true"}))
    assert "Acme Roll-out" in section and "Acme Pilot" not in section
    assert "<html" not in section


def test_every_meeting_ours_makes_a_deal_one_sided(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    deal = make.opportunity(account, name="Cold Deal")
    for day in (3, 10, 17):
        make.meeting(account, rep, opportunity_id=deal.id, initiated_by="us",
                     started_at=datetime(2026, 11, day, 10))
    login(rep)
    page = text(client.get(f"/opportunities/{deal.id}"))
    assert "Every meeting (3) was ours" in page and "3 we asked, 0 they asked" in page
    make.meeting(account, rep, opportunity_id=deal.id, initiated_by="them")
    assert "One-sided" not in text(client.get(f"/opportunities/{deal.id}"))


def test_another_reps_one_sided_deals_are_a_404(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    login(rep)
    assert client.get(f"/pipeline/reps/{other.id}/one-sided").status_code == 404


# --- demo ---------------------------------------------------------------------------------------

def test_the_demo_shows_pals_a_pal_meeting_fresh_and_stale_intel_news_and_a_one_sided_deal(
        app, client, clock):
    from webapp.demo import DEMO_PASSWORD

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        top = db.session.scalar(select(Intel.account_id).where(Intel.contact_id.is_not(None)))
        assert db.session.scalar(select(func.count()).select_from(PalMeeting)) == 1
    client.post("/login", data={"email": "rep1@example.com", "password": DEMO_PASSWORD})
    pals = text(client.get("/intel/pals"))
    assert "Marcus Lee · Northwind Networks" in pals and "Priya Natarajan" in pals
    account = text(client.get(f"/accounts/{top}"))
    assert "2 days ago" in account and "from Marcus Lee (Northwind Networks)" in account
    with app.app_context():
        stale = db.session.scalar(select(Intel.account_id).where(Intel.pal_id.is_not(None),
                                                                 Intel.pal_meeting_id.is_(None)))
    assert "Stale" in text(client.get(f"/accounts/{stale}"))
    assert "Our main competitor announced a price increase" in text(client.get("/"))
    assert "One-sided deals" in text(client.get("/pipeline/"))
