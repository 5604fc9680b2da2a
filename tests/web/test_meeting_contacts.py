"""Log meeting: "who was there" follows the account picked on the form.

With JavaScript, changing the picker fetches that account's contacts as a fragment (htmx) and
swaps only that block; without it, a "Show who works there" button posts the form back for the
chosen account with everything typed kept. Either way nothing is saved until "Save meeting",
and another rep's account shows nobody (404)."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Meeting

HX = {"HX-Request": "true"}


def _meetings() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Meeting))


def _two_accounts(make):
    rep = make.user("rep", name="Dana Field")
    harbor = make.account(owner=rep, name="Harbor Logistics")
    prairie = make.account(owner=rep, name="Prairie Foods")
    ana = make.contact(harbor, name="Ana Ruiz")
    ben = make.contact(harbor, name="Ben Okafor")
    cleo = make.contact(prairie, name="Cleo Park")
    return rep, harbor, prairie, ana, ben, cleo


def test_picking_an_account_shows_that_accounts_contacts_and_no_one_elses(client, make, login):
    rep, harbor, prairie, ana, ben, cleo = _two_accounts(make)
    login(rep)

    harbor_people = client.get(f"/meetings/contacts?account_id={harbor.id}", headers=HX)
    prairie_people = client.get(f"/meetings/contacts?account_id={prairie.id}", headers=HX)

    assert harbor_people.status_code == prairie_people.status_code == 200
    html = harbor_people.get_data(as_text=True)
    assert "<html" not in html and 'id="meeting-contacts"' in html  # just the block to swap
    assert "Who was there" in html
    assert f'name="contact_ids" value="{ana.id}"' in html and "Ben Okafor" in html
    assert "Cleo Park" not in html
    other = prairie_people.get_data(as_text=True)
    assert "Cleo Park" in other and "Ana Ruiz" not in other
    assert "HX-Request" in harbor_people.headers["Vary"]


def test_picking_an_account_brings_its_open_deals_and_whether_it_is_a_first_meeting(
        client, make, login):
    """With the people come the account's open deals to link the meeting to (only its own, only
    open ones) and the first-meeting tick, as on the form opened from the account's page."""
    rep, harbor, prairie, *_ = _two_accounts(make)
    make.opportunity(harbor, stage="proposal", name="Harbor cranes")
    make.opportunity(harbor, stage="closed_lost", name="Harbor old bid")
    make.opportunity(prairie, stage="qualified", name="Prairie silos")
    make.meeting(prairie, rep)
    login(rep)

    harbor_html = client.get(f"/meetings/contacts?account_id={harbor.id}", headers=HX).get_data(
        as_text=True)
    prairie_html = client.get(f"/meetings/contacts?account_id={prairie.id}", headers=HX).get_data(
        as_text=True)

    about = harbor_html.split('<div id="meeting-about"', 1)[1]
    assert about.startswith(' class="stack" hx-swap-oob="true">')
    assert "Harbor cranes · Proposal" in about
    assert "Harbor old bid" not in about and "Prairie silos" not in about
    assert 'name="is_first_meeting" type="checkbox" value="y" checked' in about
    assert "Prairie silos · Qualified" in prairie_html and "Harbor cranes" not in prairie_html
    assert 'value="y" checked' not in prairie_html  # met before
    form = client.get(f"/meetings/new?account_id={harbor.id}").get_data(as_text=True)
    assert about.split(">", 1)[1].split("</select>")[0] in form  # as the form for that account


def test_another_reps_account_shows_nobody(client, make, login):
    rep, *_ = _two_accounts(make)
    stranger = make.user("rep")
    theirs = make.account(owner=stranger, name="Not Mine Inc")
    make.contact(theirs, name="Secret Person")
    login(rep)

    response = client.get(f"/meetings/contacts?account_id={theirs.id}", headers=HX)

    assert response.status_code == 404
    assert "Secret Person" not in response.get_data(as_text=True)
    assert client.get("/meetings/contacts?account_id=abc", headers=HX).status_code == 404


def test_an_account_without_contacts_says_to_type_who_was_there(client, make, login):
    rep = make.user("rep")
    empty = make.account(owner=rep, name="Quiet Co")
    login(rep)

    html = client.get(f"/meetings/contacts?account_id={empty.id}", headers=HX).get_data(
        as_text=True)

    assert "No contacts saved for Quiet Co yet" in html
    assert 'name="contact_ids"' not in html
    nobody = client.get("/meetings/contacts?account_id=", headers=HX)
    assert nobody.status_code == 200 and 'name="contact_ids"' not in nobody.get_data(as_text=True)


def test_opening_the_contacts_address_itself_opens_the_form_for_that_account(client, make, login):
    rep, harbor, *_ = _two_accounts(make)
    login(rep)

    response = client.get(f"/meetings/contacts?account_id={harbor.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/meetings/new?account_id={harbor.id}"
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Harbor Logistics" in form and "Ana Ruiz" in form


def test_the_account_picker_reloads_only_the_contacts_block(client, make, login):
    rep, *_ = _two_accounts(make)
    login(rep)

    html = client.get("/meetings/new").get_data(as_text=True)

    picker = re.search(r'<fieldset id="account-choices"[^>]*>', html).group(0)
    assert 'hx-get="/meetings/contacts"' in picker and 'hx-trigger="change"' in picker
    assert 'hx-target="#meeting-contacts"' in picker
    # The swapped block is separate from the notes and every other field.
    block = re.search(r'<div id="meeting-contacts".*?</div>', html, re.S).group(0)
    assert 'name="notes"' not in block
    # Without JavaScript, a button does the same by posting the form back.
    assert re.search(r'<noscript><button type="submit" name="show_contacts" value="1">'
                     r'Show who works there</button></noscript>', html)


def test_without_javascript_showing_contacts_keeps_everything_typed_and_saves_nothing(
        client, make, login):
    rep, harbor, prairie, ana, ben, cleo = _two_accounts(make)
    login(rep)
    client_id = str(uuid.uuid4())
    typed = {"client_id": client_id, "account_id": harbor.id,
             "notes": "Walked the floor; they want a pilot.", "location": "Dock 4",
             "kind": "video", "their_commitment": "Send the fleet list",
             "show_contacts": "1"}

    response = client.post("/meetings/new", data=typed)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'name="contact_ids" value="{ana.id}"' in html and "Cleo Park" not in html
    assert "Walked the floor; they want a pilot." in html
    assert 'value="Dock 4"' in html and 'value="Send the fleet list"' in html
    assert 'value="video" checked' in html
    assert f'value="{client_id}"' in html  # the same write when it is saved
    assert _meetings() == 0

    saved = client.post("/meetings/new", data={**typed, "show_contacts": "",
                                               "contact_ids": [str(ana.id), str(ben.id)]})
    assert saved.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert meeting.attendees == "Ana Ruiz, Ben Okafor"
    assert meeting.notes == "Walked the floor; they want a pilot."


def test_showing_contacts_without_an_account_asks_for_one_and_keeps_the_notes(client, make, login):
    rep, *_ = _two_accounts(make)
    login(rep)

    response = client.post("/meetings/new", data={"account_id": "", "notes": "Typed already",
                                                  "show_contacts": "1"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="account_id-error">Choose the account\.</p>', html)
    assert "Typed already" in html
    assert _meetings() == 0


def test_showing_contacts_of_another_reps_account_is_refused(client, make, login):
    rep, *_ = _two_accounts(make)
    theirs = make.account(owner=make.user("rep"))
    make.contact(theirs, name="Secret Person")
    login(rep)

    response = client.post("/meetings/new", data={"account_id": theirs.id, "notes": "x",
                                                  "show_contacts": "1"})

    assert response.status_code == 404
    assert "Secret Person" not in response.get_data(as_text=True)
    assert _meetings() == 0


def test_a_replayed_offline_write_is_always_a_real_save(client, make, login):
    """The outbox takes any 200 as "saved" and forgets its copy: it must never get the
    no-JavaScript preview, even if such a field slipped into the stored form."""
    rep, harbor, *_ = _two_accounts(make)
    login(rep)

    response = client.post("/meetings/new", headers={"X-Groundwork-Outbox": "1"},
                           data={"client_id": str(uuid.uuid4()), "account_id": harbor.id,
                                 "notes": "Queued on the train", "show_contacts": "1"})

    assert response.status_code == 303
    assert _meetings() == 1


def test_a_manager_sees_their_reps_contacts(client, make, login):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    account = make.account(owner=rep)
    make.contact(account, name="Ana Ruiz")
    login(manager)

    response = client.get(f"/meetings/contacts?account_id={account.id}", headers=HX)

    assert response.status_code == 200 and "Ana Ruiz" in response.get_data(as_text=True)


def test_the_contacts_block_runs_the_same_queries_however_many_contacts(client, make, login,
                                                                         count_queries):
    rep = make.user("rep")
    account = make.account(owner=rep)
    make.contact(account)
    login(rep)
    url = f"/meetings/contacts?account_id={account.id}"
    with count_queries() as few:
        client.get(url, headers=HX)
    for _ in range(40):
        make.contact(account)
    with count_queries() as many:
        response = client.get(url, headers=HX)
    assert response.get_data(as_text=True).count('name="contact_ids"') == 41
    assert many.count == few.count <= 5  # the account, its people, its deals, met before?
