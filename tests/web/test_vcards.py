"""Contacts in and out (issue 15): a contact's vCard, contacts from a .vcf (one or many) into
an account with duplicates offered, not created; bad and huge files get a clear message."""
from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from webapp.domain.vcards import read_vcards
from webapp.extensions import db
from webapp.models import Contact

CARDS = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Łukasiewicz-Núñez\r\nTITLE:Directora\\, Compras\r\n"
         "TEL;TYPE=CELL:+34 600 111 222\r\nEMAIL:zoe@cafe.es\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim Old\r\nEMAIL:KIM@globex.io\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ström;Åsa;;;\r\nEND:VCARD\r\n").encode("utf-8")


@pytest.fixture
def rep_account(make):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Café Zoë")
    other_account = make.account(owner=rep, name="Globex")
    make.contact(other_account, name="Kim Old", email="kim@globex.io")
    make.contact(account, name="Åsa Ström")
    return rep, account


def _upload(client, account, body, name="contacts.vcf"):
    return client.post(f"/vcards/import?account_id={account.id}",
                       data={"vcf_file": (BytesIO(body), name)},
                       content_type="multipart/form-data")


def _contacts(account):
    db.session.expire_all()
    return list(db.session.scalars(select(Contact).where(Contact.account_id == account.id)
                                   .order_by(Contact.id)))


def test_contacts_from_a_vcf_are_reviewed_and_duplicates_offered_not_created(
        client, login, rep_account):
    rep, account = rep_account
    login(rep)
    review = _upload(client, account, CARDS)
    page = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Zoë Łukasiewicz-Núñez" in page
    assert "Already here? Kim Old at Globex" in page  # by e-mail, on another account
    assert "Already here? Åsa Ström at Café Zoë" in page  # by name, here
    assert page.count(" checked>") == 1
    client_id = page.split('name="client_id" type="hidden" value="')[1].split('"')[0]
    form = {"client_id": client_id, "pick": ["0"]}
    for n in range(3):
        for field in ("name", "title", "phone", "email"):
            form[f"{field}_{n}"] = page.split(f'name="{field}_{n}" value="')[1].split('"')[0]
    for _ in range(2):  # sent twice (a retry): added once
        saved = client.post(f"/vcards/save?account_id={account.id}", data=form)
        assert saved.status_code == 303
    names = [(c.name, c.title, c.phone, c.email) for c in _contacts(account)]
    assert names == [("Åsa Ström", "", "", ""),
                     ("Zoë Łukasiewicz-Núñez", "Directora, Compras", "+34 600 111 222",
                      "zoe@cafe.es")]


def test_a_contacts_vcard_downloads_and_reads_back_with_accents(client, login, rep_account, make):
    rep, account = rep_account
    contact = make.contact(account, name="José Ñúñez", title="Jefe; R&D", email="jose@cafe.es")
    login(rep)
    answer = client.get(f"/vcards/contacts/{contact.id}.vcf")
    assert answer.headers["Content-Type"] == "text/vcard; charset=utf-8"
    [card] = read_vcards(answer.data)
    assert (card.name, card.title, card.email, card.organization) == (
        "José Ñúñez", "Jefe; R&D", "jose@cafe.es", "Café Zoë")
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"/vcards/contacts/{contact.id}.vcf" in page and "Share account" in page


@pytest.mark.parametrize("body, status, message", [
    (b"name,email\nAna,ana@example.com\n", 400, "No contacts found"),
    (b"BEGIN:VCARD\r\n" + b"N:" + b"x" * (2 * 1024 * 1024) + b"\r\nEND:VCARD\r\n", 413,
     "larger than 2 MB"),
    (b"", 400, "Choose a .vcf file"),
])
def test_a_bad_or_huge_vcf_gets_a_clear_message_next_to_the_field(
        client, login, rep_account, body, status, message):
    rep, account = rep_account
    login(rep)
    answer = _upload(client, account, body, name="x.vcf" if body else "")
    page = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert 'id="vcf_file-error"' in page and message in page


def test_contacts_picked_on_the_phone_go_to_the_same_review(client, login, rep_account):
    rep, account = rep_account
    login(rep)
    picked = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ünal Çelik\r\nTEL:+90 555\r\nEND:VCARD"
    page = client.post(f"/vcards/import?account_id={account.id}",
                       data={"picked": picked}).get_data(as_text=True)
    assert "Ünal Çelik" in page and "Add ticked contacts" in page


def test_another_reps_contacts_and_accounts_are_out_of_reach(client, login, rep_account, make):
    rep, account = rep_account
    contact = make.contact(account, name="Private Person")
    login(make.user("rep"))
    assert client.get(f"/vcards/contacts/{contact.id}.vcf").status_code == 404
    assert client.get(f"/vcards/import?account_id={account.id}").status_code == 404
    assert _upload(client, account, CARDS).status_code == 404
    assert client.post(f"/vcards/save?account_id={account.id}",
                       data={"client_id": "5c2b1c55-0c4e-4a53-9d6e-0b7f2a0f6a11", "pick": ["0"],
                             "name_0": "Intruder"}).status_code == 404
    assert [c.name for c in _contacts(account)] == ["Åsa Ström", "Private Person"]
