"""Capturing what a rep meets in the field: a new account, a contact, a deal, a contact's new
details. Duplicates are offered first; records made offline are named by their client id;
replays never make a second record; nobody attaches to an account they may not see."""
from __future__ import annotations

import gzip
import json
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Account, AuditEvent, Contact, Meeting, Opportunity

OUTBOX = {"X-Groundwork-Outbox": "1"}


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_rep_adds_an_account_met_in_the_field_and_owns_it(client, make, login):
    rep = make.user("rep")
    login(rep)
    assert "Company name" in client.get("/accounts/new").get_data(as_text=True)
    record_id = str(uuid.uuid4())
    response = client.post("/accounts/new", data={"name": "  Initech  ", "city": "Austin",
                                                  "uuid": record_id}, headers=OUTBOX)
    assert response.status_code == 303
    account = db.session.scalar(select(Account).where(Account.uuid == record_id))
    assert (account.name, account.city, account.owner_id, account.external_id) == (
        "Initech", "Austin", rep.id, None)
    assert response.headers["Location"] == f"/accounts/{account.id}"
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Account added." in page and "Add contact" in page and "New opportunity" in page
    [event] = _events("account.created")
    assert (event.actor_id, event.target_id) == (rep.id, str(account.id))
    assert json.loads(event.detail)["name"] == "Initech"


def test_replaying_a_new_account_makes_it_once(client, make, login):
    rep = make.user("rep")
    login(rep)
    data = {"name": "Initech", "uuid": str(uuid.uuid4())}
    first = client.post("/accounts/new", data=data, headers=OUTBOX)
    again = client.post("/accounts/new", data=data, headers=OUTBOX)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(Account, Account.name == "Initech") == 1
    assert len(_events("account.created")) == 1


def test_a_similar_company_name_is_offered_before_a_new_account(client, make, login):
    rep = make.user("rep")
    other = make.user("rep")
    mine = make.account(owner=rep, name="Acme Corporation", city="Springfield")
    make.account(owner=other, name="Acme Inc")  # not the rep's: never offered
    login(rep)
    record_id = str(uuid.uuid4())
    data = {"name": "ACME corp.", "city": "Shelbyville", "uuid": record_id}

    offered = client.post("/accounts/new", data=data, headers=OUTBOX)

    assert offered.status_code == 422
    page = offered.get_data(as_text=True)
    assert "Did you mean" in page and f'href="/accounts/{mine.id}"' in page
    assert "Acme Inc" not in page
    assert 'value="ACME corp."' in page and 'value="Shelbyville"' in page  # input kept
    assert record_id in page  # the same record id, so "create anyway" is the same write
    assert _count(Account) == 2

    created = client.post("/accounts/new", data={**data, "create_anyway": "y"}, headers=OUTBOX)
    assert created.status_code == 303
    assert _count(Account, Account.uuid == record_id) == 1


def test_a_typo_in_a_known_company_name_is_still_offered(client, make, login):
    rep = make.user("rep")
    make.account(owner=rep, name="Globex Corporation")
    login(rep)
    response = client.post("/accounts/new", data={"name": "Globexx", "uuid": str(uuid.uuid4())})
    assert response.status_code == 422 and "Globex Corporation" in response.get_data(as_text=True)


def test_an_account_needs_a_name_and_says_so_next_to_the_field(client, make, login):
    login(make.user("rep"))
    response = client.post("/accounts/new", data={"name": "  ", "city": "Austin"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page and "Name the company." in page
    assert 'value="Austin"' in page
    assert _count(Account) == 0


def test_rep_adds_a_contact_with_only_a_name(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    assert 'name="account_id" value="%d"' % account.id in client.get(
        f"/contacts/new?account_id={account.id}").get_data(as_text=True)
    response = client.post("/contacts/new", data={"account_id": account.id, "name": "Ana Ruiz",
                                                  "uuid": str(uuid.uuid4())}, headers=OUTBOX)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}#contacts"
    contact = db.session.scalar(select(Contact).where(Contact.account_id == account.id))
    assert (contact.name, contact.title, contact.email, contact.external_id) == (
        "Ana Ruiz", "", "", None)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Ana Ruiz" in page and f"/contacts/{contact.id}/edit" in page
    [event] = _events("contact.created")
    assert (event.actor_id, event.target_id) == (rep.id, str(contact.id))


def test_a_contact_with_a_known_email_is_offered_first(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Initech")
    make.contact(account, name="Bill Lumbergh", email="Bill@Initech.example")
    login(rep)
    data = {"account_id": account.id, "name": "William Lumbergh",
            "email": "bill@initech.example", "uuid": str(uuid.uuid4())}
    offered = client.post("/contacts/new", data=data, headers=OUTBOX)
    assert offered.status_code == 422
    assert "Did you mean" in offered.get_data(as_text=True)
    assert "Bill Lumbergh" in offered.get_data(as_text=True)
    assert _count(Contact) == 1
    assert client.post("/contacts/new", data={**data, "create_anyway": "y"}).status_code == 303
    assert _count(Contact) == 2


def test_a_bad_email_is_refused_next_to_the_field(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    response = client.post("/contacts/new", data={"account_id": account.id, "name": "Ana",
                                                  "email": "ana@"})
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert _count(Contact) == 0


def test_writes_queued_offline_name_the_new_account_by_its_client_id(client, make, login):
    """Offline: account, then a contact and a deal at it, replayed in order, once each."""
    rep = make.user("rep")
    login(rep)
    account_ref = str(uuid.uuid4())
    contact_ref = str(uuid.uuid4())
    deal_key = str(uuid.uuid4())
    writes = [
        ("/accounts/new", {"name": "Hooli", "uuid": account_ref, "client_id": str(uuid.uuid4())}),
        ("/contacts/new", {"account_id": account_ref, "name": "Gavin", "uuid": contact_ref,
                           "client_id": str(uuid.uuid4())}),
        ("/opportunities/new", {"account_id": account_ref, "name": "Platform deal",
                                "close_on": "2027-03-31", "client_id": deal_key}),
    ]
    for _ in range(2):  # the whole queue sent twice (the answers lost the first time)
        for url, data in writes:
            assert client.post(url, data=data, headers=OUTBOX).status_code == 303, url
    account = db.session.scalar(select(Account).where(Account.uuid == account_ref))
    assert _count(Account) == 1 and _count(Contact) == 1 and _count(Opportunity) == 1
    contact = db.session.scalar(select(Contact))
    deal = db.session.scalar(select(Opportunity))
    assert (contact.account_id, contact.uuid) == (account.id, contact_ref)
    assert (deal.account_id, deal.uuid, deal.owner_id) == (account.id, deal_key, rep.id)
    # Defaults for what the rep did not say: no amount yet, first meeting.
    assert (deal.amount, deal.stage, deal.close_on) == (Decimal("0.00"), "first_meeting",
                                                        date(2027, 3, 31))
    assert [e.target_id for e in _events("opportunity.created")] == [str(deal.id)]


def test_a_write_naming_an_account_not_made_yet_is_refused_not_saved_loose(client, make, login):
    rep = make.user("rep")
    login(rep)
    response = client.post("/contacts/new", data={"account_id": str(uuid.uuid4()), "name": "Ana"},
                           headers=OUTBOX)
    assert response.status_code == 404
    assert "has not reached the server" in response.get_data(as_text=True)
    assert _count(Contact) == 0


def test_rep_cannot_attach_to_another_reps_account_by_id_or_client_id(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(owner=other, uuid=str(uuid.uuid4()))
    login(rep)
    assert client.get(f"/contacts/new?account_id={theirs.id}").status_code == 404
    # A client id may be an account still on the phone: the generic form, nothing of theirs.
    generic = client.get(f"/contacts/new?account_id={theirs.uuid}")
    assert generic.status_code == 200 and theirs.name not in generic.get_data(as_text=True)
    for ref in (str(theirs.id), theirs.uuid):
        assert client.post("/contacts/new", data={"account_id": ref, "name": "Spy"}).status_code == 404
        assert client.post("/opportunities/new", data={
            "account_id": ref, "name": "Spy deal", "close_on": "2027-01-01"}).status_code == 404
    # Nor take over someone else's record by replaying its client id.
    assert client.post("/accounts/new", data={"name": "Mine", "uuid": theirs.uuid}).status_code == 409
    assert _count(Contact) == 0 and _count(Opportunity) == 0
    assert db.session.get(Account, theirs.id).owner_id == other.id


def test_a_manager_sees_the_reps_new_account(client, make, login):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    login(rep)
    client.post("/accounts/new", data={"name": "Pied Piper", "uuid": str(uuid.uuid4())})
    account = db.session.scalar(select(Account))
    other = client.application.test_client()
    login(manager, client=other)
    assert other.get(f"/accounts/{account.id}").status_code == 200


def test_rep_edits_a_contacts_details_and_the_change_is_audited(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    contact = make.contact(account, name="Ana", title="Buyer")
    login(rep)
    assert 'value="Buyer"' in client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    data = {"name": "Ana Ruiz", "title": "Head of purchasing", "phone": "+1 512 555 0100",
            "email": "ana@example.com"}
    response = client.post(f"/contacts/{contact.id}", data=data, headers=OUTBOX)
    assert response.status_code == 303
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert (contact.name, contact.title, contact.phone, contact.email) == tuple(data.values())
    assert client.post(f"/contacts/{contact.id}", data=data).status_code == 303  # a replay
    [event] = _events("contact.changed")
    assert json.loads(event.detail)["title"] == "Buyer → Head of purchasing"


def test_rep_cannot_edit_another_reps_contact(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    contact = make.contact(make.account(owner=other), name="Ana")
    login(rep)
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 404
    assert client.post(f"/contacts/{contact.id}", data={"name": "Spy"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).name == "Ana"


def test_pending_account_page_goes_to_the_account_once_it_arrived(client, make, login):
    rep = make.user("rep")
    login(rep)
    ref = str(uuid.uuid4())
    assert client.get(f"/accounts/pending?id={ref}").status_code == 200
    client.post("/accounts/new", data={"name": "Hooli", "uuid": ref})
    account = db.session.scalar(select(Account))
    response = client.get(f"/accounts/pending?id={ref}")
    assert response.status_code == 302 and response.headers["Location"] == f"/accounts/{account.id}"


def test_new_opportunity_form_has_sensible_defaults(client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    page = client.get(f"/opportunities/new?account_id={account.id}").get_data(as_text=True)
    assert 'value="2027-02-21"' in page  # 90 days from 2026-11-23
    response = client.post("/opportunities/new", data={
        "account_id": account.id, "name": "Pilot", "close_on": "2027-02-21"})
    assert response.status_code == 303
    deal = db.session.scalar(select(Opportunity))
    assert (deal.name, deal.amount, deal.stage) == ("Pilot", Decimal("0.00"), "first_meeting")


def test_a_meeting_queued_offline_names_the_new_account_and_contact_by_client_id(
        client, make, login):
    rep = make.user("rep")
    login(rep)
    account_ref, contact_ref = str(uuid.uuid4()), str(uuid.uuid4())
    client.post("/accounts/new", data={"name": "Hooli", "uuid": account_ref}, headers=OUTBOX)
    client.post("/contacts/new", data={"account_id": account_ref, "name": "Gavin Belson",
                                       "uuid": contact_ref}, headers=OUTBOX)
    meeting = {"account_id": account_ref, "notes": "Met the CEO", "contact_ids": contact_ref,
               "client_id": str(uuid.uuid4())}
    for _ in range(2):
        response = client.post("/meetings/new", data=meeting, headers=OUTBOX)
        assert response.status_code == 303
    account = db.session.scalar(select(Account).where(Account.uuid == account_ref))
    [logged] = db.session.scalars(select(Meeting)).all()
    assert (logged.account_id, logged.attendees) == (account.id, "Gavin Belson")


def test_a_meeting_naming_an_account_nobody_made_is_refused(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(owner=other, uuid=str(uuid.uuid4()))
    login(rep)
    for ref in (str(uuid.uuid4()), theirs.uuid):
        response = client.post("/meetings/new", data={"account_id": ref, "notes": "x"},
                               headers=OUTBOX)
        assert response.status_code == 404
    assert _count(Meeting) == 0


def test_a_contact_added_from_the_meeting_form_goes_back_to_it(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    form = client.get(f"/contacts/new?account_id={account.id}&then=meeting").get_data(as_text=True)
    assert 'name="then" value="meeting"' in form
    response = client.post("/contacts/new", data={"account_id": account.id, "name": "Ana",
                                                  "then": "meeting"})
    assert response.headers["Location"] == f"/meetings/new?account_id={account.id}"
    meeting_form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ana" in meeting_form


def test_capture_forms_stay_small_and_cheap_with_a_big_territory(client, make, login,
                                                                 count_queries):
    """The forms a phone keeps offline: one query for the picker whatever the territory's
    size, and within 14 KB gzipped (one round trip) for 300 accounts."""
    rep = make.user("rep")
    make.account(owner=rep)
    login(rep)
    pages = ("/accounts/new", "/contacts/new", "/opportunities/new", "/accounts/pending")
    with count_queries() as small:
        for url in pages:
            assert client.get(url).status_code == 200
    db.session.add_all(Account(name=f"Northwind Logistics Holdings {n:03d}", city="Minneapolis",
                               owner_id=rep.id) for n in range(300))
    db.session.commit()
    with count_queries() as large:
        for url in pages:
            response = client.get(url)
            assert len(gzip.compress(response.data)) <= 14 * 1024, url
    assert large.count == small.count, large.statements


def test_the_duplicate_check_reads_a_bounded_number_of_rows(client, make, login, count_queries):
    rep = make.user("rep")
    db.session.add_all(Account(name=f"Acme {n:04d}", owner_id=rep.id) for n in range(400))
    db.session.add_all(Account(name="Acme Corp", city=f"Town {n}", owner_id=rep.id)
                       for n in range(10))
    db.session.commit()
    login(rep)
    response = client.post("/accounts/new", data={"name": "Acme", "uuid": str(uuid.uuid4())})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("data-use-existing") == 5 and "Acme 0001" not in page


def test_the_offline_copy_of_the_contact_form_serves_every_contact(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    contact = make.contact(account, name="Ana", title="Buyer", email="ana@example.com")
    login(rep)
    shell = client.get("/contacts/edit").get_data(as_text=True)
    assert "data-contact-shell" in shell and "Ana" not in shell
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f'data-contact-edit="{contact.id}"' in page and 'data-title="Buyer"' in page
    assert "/contacts/edit" in client.get("/offline/manifest.json").get_json()["pages"]


def test_changes_queued_after_an_offline_deal_name_it_by_its_client_id_and_chain(
        client, make, login):
    """Offline: a deal on a new account, then two changes of it (both made on the phone on
    the version the deal was made with); replayed twice, in order: one deal, both changes
    applied once, no conflict with the rep's own earlier change."""
    rep = make.user("rep")
    login(rep)
    account_ref, deal_key = str(uuid.uuid4()), str(uuid.uuid4())
    writes = [
        ("/accounts/new", {"name": "Hooli", "uuid": account_ref, "client_id": str(uuid.uuid4())}),
        ("/opportunities/new", {"account_id": account_ref, "name": "Platform deal",
                                "amount": "1000", "close_on": "2027-03-31", "client_id": deal_key}),
        (f"/opportunities/{deal_key}", {"version": "1", "stage": "proposal",
                                        "client_id": str(uuid.uuid4())}),
        (f"/opportunities/{deal_key}", {"version": "1", "amount": "61,000",
                                        "close_on": "2027-03-31", "next_step": "Send the quote",
                                        "forecast_category": "pipeline",
                                        "client_id": str(uuid.uuid4())}),
    ]
    for _ in range(2):
        for url, data in writes:
            response = client.post(url, data=data, headers=OUTBOX)
            assert response.status_code == 303, (url, response.get_data(as_text=True)[:2000])
    deal = db.session.scalar(select(Opportunity))
    assert _count(Opportunity) == 1
    assert (deal.stage, deal.amount, deal.next_step, deal.version) == (
        "proposal", Decimal("61000.00"), "Send the quote", 3)
    assert response.headers["Location"] == f"/opportunities/{deal.id}"
    # Once it arrived, the deal's page on the phone leads to the deal itself.
    pending = client.get(f"/opportunities/pending?id={deal_key}")
    assert pending.headers["Location"] == f"/opportunities/{deal.id}"


def test_a_change_naming_a_deal_not_made_yet_or_not_theirs_is_refused(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.opportunity(account=make.account(owner=other), uuid=str(uuid.uuid4()))
    login(rep)
    for ref in (str(uuid.uuid4()), theirs.uuid):
        response = client.post(f"/opportunities/{ref}", data={
            "version": "1", "stage": "proposal", "client_id": str(uuid.uuid4())}, headers=OUTBOX)
        assert response.status_code == 404
        assert "has not reached the server" in response.get_data(as_text=True)
    assert client.get(f"/opportunities/pending?id={theirs.uuid}").status_code == 200
    assert db.session.get(Opportunity, theirs.id).stage == theirs.stage != "proposal"


def test_every_account_picker_searches_instead_of_listing_the_territory(client, make, login,
                                                                       count_queries):
    """Filing a note, a contact or a deal opened without an account: the one search picker
    (recent accounts first, matches of what the rep typed), never all 3,000 accounts."""
    rep = make.user("rep")
    note = make.note(rep)
    db.session.add_all(Account(name=f"Northwind Logistics Holdings {n:04d}", city="Minneapolis",
                               owner_id=rep.id) for n in range(3000))
    db.session.add(Account(name="Zebra Freight", city="Duluth", owner_id=rep.id))
    db.session.commit()
    login(rep)
    pages = ("/contacts/new", "/opportunities/new", f"/notes/{note.id}/file")
    for url in pages:
        with count_queries() as reads:
            response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'data-account-search' in page and "data-contacts-picker" not in page, url
        assert page.count('name="account_id"') <= 6 and "Zebra Freight" not in page, url
        assert len(gzip.compress(response.data)) <= 14 * 1024, url
        assert reads.count <= 8, (url, reads.statements)
    # Typing finds the account; the answer is the plain picker again (no people to load).
    found = client.get("/meetings/accounts?plain=1&account_q=zebra",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Zebra Freight · Duluth" in found and "data-contacts-picker" not in found
    zebra = db.session.scalar(select(Account.id).where(Account.name == "Zebra Freight"))
    # A form the server refused keeps the account chosen.
    refused = client.post("/contacts/new", data={"account_id": str(zebra), "name": ""})
    assert refused.status_code == 400
    assert f'name="account_id" value="{zebra}"' in refused.get_data(as_text=True)
    refused = client.post("/opportunities/new", data={"account_id": "", "name": "Deal"})
    assert refused.status_code in (400, 404)
    response = client.post(f"/notes/{note.id}/file", data={"account_id": str(zebra)})
    assert response.status_code == 303
    db.session.refresh(note)
    assert note.account_id == zebra


def _contact_edit(contact_id, version, base, **values):
    data = {"version": str(version), "client_id": str(uuid.uuid4())}
    data.update({f"base_{k}": v for k, v in base.items()})
    data.update({**base, **values})
    return f"/contacts/{contact_id}", data


def test_a_reps_own_queued_contact_edits_chain_and_a_colleagues_untouched_fields_merge(
        client, make, login):
    manager = make.user("manager", name="Max Boss")
    rep = make.user("rep", name="Dana Field", manager=manager)
    account = make.account(owner=rep)
    contact = make.contact(account, name="Ana", title="Buyer", phone="", email="")
    base = {"name": "Ana", "title": "Buyer", "phone": "", "email": ""}
    login(rep)
    page = client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'name="version"' in page and 'name="base_title"' in page
    # Two edits queued offline on the same copy (version 1): the second is not a conflict.
    for url, data in (_contact_edit(contact.id, 1, base, title="Head of purchasing"),
                      _contact_edit(contact.id, 1, base, title="VP purchasing",
                                    phone="+1 512 555 0100")):
        assert client.post(url, data=data, headers=OUTBOX).status_code == 303
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert (contact.title, contact.phone, contact.version) == ("VP purchasing", "+1 512 555 0100", 3)
    # The manager changes the e-mail; the rep's stale copy (version 3) changes only the phone:
    # both stay, the stale form's old e-mail does not undo the manager's.
    login(manager)
    shown = {"name": "Ana", "title": "VP purchasing", "phone": "+1 512 555 0100", "email": ""}
    url, data = _contact_edit(contact.id, 3, shown, email="ana@example.com")
    assert client.post(url, data=data).status_code == 303
    login(rep)
    url, data = _contact_edit(contact.id, 3, shown, phone="+1 512 555 0199")
    assert client.post(url, data=data, headers=OUTBOX).status_code == 303
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert (contact.phone, contact.email, contact.version) == (
        "+1 512 555 0199", "ana@example.com", 5)


def test_a_real_clash_over_a_contact_field_is_a_conflict_the_rep_resolves(client, make, login):
    manager = make.user("manager", name="Max Boss")
    rep = make.user("rep", name="Dana Field", manager=manager)
    account = make.account(owner=rep)
    contact = make.contact(account, name="Ana", title="Buyer")
    base = {"name": "Ana", "title": "Buyer", "phone": "", "email": ""}
    login(manager)
    url, data = _contact_edit(contact.id, 1, base, title="CFO")
    assert client.post(url, data=data).status_code == 303
    login(rep)
    url, data = _contact_edit(contact.id, 1, base, title="Head of purchasing", phone="555 0100")
    response = client.post(url, data=data, headers=OUTBOX)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Max Boss" in page and "Keep mine: <b>Head of purchasing</b>" in page
    assert "Take theirs (now on the server): <b>CFO</b>" in page
    assert "You started from: Buyer" in page and 'name="phone" value="555 0100"' in page
    db.session.expire_all()
    assert (db.session.get(Contact, contact.id).title, db.session.get(Contact, contact.id).phone) \
        == ("CFO", "")
    # "Save my choices" (theirs for the title): the phone goes along, nothing else changes.
    resolved = {"version": "2", "client_id": data["client_id"], "name": "Ana", "title": "CFO",
                "phone": "555 0100", "email": "", "base_name": "Ana", "base_title": "CFO",
                "base_phone": "", "base_email": ""}
    assert client.post(url, data=resolved, headers=OUTBOX).status_code == 303
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert (contact.title, contact.phone, contact.version) == ("CFO", "555 0100", 3)


def test_a_deal_made_from_the_meeting_form_goes_back_to_it_and_a_meeting_may_name_it_by_client_id(
        client, make, login):
    """"New opportunity" on the meeting form (?then=meeting) comes back to the meeting form for
    the account; a meeting queued offline names a deal made on the phone by its client id,
    resolved only within the meeting's account and what the rep may see."""
    rep, other = make.user("rep"), make.user("rep")
    account, second, theirs = make.account(owner=rep), make.account(owner=rep), make.account(owner=other)
    login(rep)
    meeting_form = client.get(f"/meetings/new?account_id={account.id}").get_data(as_text=True)
    assert f'href="/opportunities/new?account_id={account.id}&amp;then=meeting"' in meeting_form
    form = client.get(f"/opportunities/new?account_id={account.id}&then=meeting").get_data(as_text=True)
    assert 'name="then" value="meeting"' in form
    deal_id = str(uuid.uuid4())
    made = client.post("/opportunities/new", headers=OUTBOX, data={
        "client_id": deal_id, "account_id": account.id, "name": "Silo 2", "amount": "0",
        "close_on": "2027-03-01", "stage": "first_meeting", "then": "meeting"})
    assert made.headers["Location"] == f"/meetings/new?account_id={account.id}"
    [deal] = db.session.scalars(select(Opportunity).where(Opportunity.name == "Silo 2")).all()
    assert f'value="{deal.id}" data-uuid="{deal_id}"' in client.get(made.headers["Location"]).get_data(
        as_text=True)
    assert client.post("/opportunities/new", headers=OUTBOX, data={
        "client_id": str(uuid.uuid4()), "account_id": account.id, "name": "Silo 3", "amount": "0",
        "close_on": "2027-03-01", "stage": "first_meeting"}).headers["Location"].startswith("/opportunities/")

    theirs_deal = make.opportunity(theirs, uuid=str(uuid.uuid4()))
    for ref, on in ((str(uuid.uuid4()), account), (theirs_deal.uuid, account), (deal_id, second)):
        refused = client.post("/meetings/new", headers=OUTBOX, data={
            "client_id": str(uuid.uuid4()), "account_id": on.id, "notes": "x", "opportunity_id": ref})
        assert refused.status_code == 400
        assert "Choose an opportunity of this account." in refused.get_data(as_text=True)
    assert _count(Meeting) == 0
    logged = client.post("/meetings/new", headers=OUTBOX, data={
        "client_id": str(uuid.uuid4()), "account_id": account.id, "notes": "About the silo",
        "opportunity_id": deal_id})
    assert logged.status_code == 303
    assert [(m.account_id, m.opportunity_id) for m in db.session.scalars(select(Meeting))] == [
        (account.id, deal.id)]
