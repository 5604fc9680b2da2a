"""Quick notes: one field, filed under an account or not, never duplicated."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Note


def _notes() -> list[Note]:
    db.session.expire_all()
    return list(db.session.scalars(select(Note)))


def test_note_from_the_account_page_goes_back_there_and_touches_the_account(client, make, login, clock):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)

    form = client.get(f"/notes/new?account_id={account.id}").get_data(as_text=True)
    assert f'name="account_id" value="{account.id}"' in form
    assert form.count("<textarea") == 1

    response = client.post("/notes/new", data={"account_id": account.id,
                                               "body": "Parking behind the building"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}#notes"
    [note] = _notes()
    assert (note.body, note.account_id, note.user_id) == ("Parking behind the building", account.id, rep.id)
    db.session.refresh(account)
    assert account.last_touch_at == clock.now
    assert "Parking behind the building" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_note_from_today_is_unfiled_and_goes_back_to_today(client, make, login):
    rep = make.user("rep")
    login(rep)
    # The account field is there but empty (offline, the saved copy fills it from the address).
    assert '<input type="hidden" name="account_id" value="">' in client.get("/notes/new").get_data(
        as_text=True)
    response = client.post("/notes/new", data={"body": "Ask Sam about the Q1 event"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    [note] = _notes()
    assert note.account_id is None
    assert b"Note saved." in client.get("/").data


def test_replaying_a_note_saves_it_once(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    data = {"client_id": str(uuid.uuid4()).upper(), "account_id": account.id, "body": "Once"}
    assert client.post("/notes/new", data=data).status_code == 303
    assert client.post("/notes/new", data=data).status_code == 303
    assert len(_notes()) == 1


def test_rep_cannot_note_on_another_reps_account(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    theirs = make.account(owner=other)
    login(rep)
    assert client.get(f"/notes/new?account_id={theirs.id}").status_code == 404
    for account_id in (theirs.id, "abc", "0", "-3", "99999999999999999999999"):
        response = client.post("/notes/new", data={"account_id": account_id, "body": "x"})
        assert response.status_code == 404, account_id
    assert _notes() == []


def test_empty_and_oversized_notes_are_explained_and_kept(client, make, login):
    rep = make.user("rep")
    login(rep)
    empty = client.post("/notes/new", data={"body": " \n "})
    assert empty.status_code == 400 and b"Write the note." in empty.data
    long_text = "word " * 10001  # 50,005 characters
    too_long = client.post("/notes/new", data={"body": long_text})
    assert too_long.status_code == 400
    assert b"at most 50,000 characters" in too_long.data
    assert long_text.strip().encode() in too_long.data
    assert db.session.scalar(select(func.count()).select_from(Note)) == 0


def test_quick_note_page_runs_few_queries(client, make, login, count_queries):
    rep = make.user("rep")
    url = f"/notes/new?account_id={make.account(owner=rep).id}"
    login(rep)
    with count_queries() as n:
        assert client.get(url).status_code == 200
    assert n.count <= 2, [s[:90] for s in n.statements]


def test_a_message_reaches_the_page_when_the_next_answer_is_an_htmx_fragment(client, make,
                                                                             login):
    """A form posted by htmx is redirected and answered with a fragment: its "saved"
    message comes along, swapped into the page's message area, and is shown once."""
    login(make.user("rep"))
    client.post("/notes/new", data={"body": "Ask Sam about the Q1 event"})
    fragment = client.get("/accounts/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<div id="flashes" hx-swap-oob="true"><p class="flash success" role="status">' \
           'Note saved.</p></div>' in fragment
    assert "Note saved." not in client.get("/").get_data(as_text=True)
    plain = client.get("/accounts/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "flashes" not in plain  # nothing to say: no out-of-band part


def test_a_long_note_is_kept_whole_and_the_limit_is_said_before_saving(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    form = client.get(f"/notes/new?account_id={account.id}").get_data(as_text=True)
    assert "Up to 50,000 characters." in form
    body = "x" * 40_000
    assert client.post("/notes/new", data={"body": body, "account_id": account.id}).status_code == 303
    assert _notes()[0].body == body


def test_an_unfiled_note_is_filed_under_an_account_once(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep, name="Acme")
    login(rep)
    client.post("/notes/new", data={"body": "Ask Sam about the Q1 event"})
    [note] = _notes()
    today = client.get("/").get_data(as_text=True)
    assert f'href="/notes/{note.id}/file"' in today
    page = client.get(f"/notes/{note.id}/file").get_data(as_text=True)
    assert "Ask Sam about the Q1 event" in page and "Acme" in page
    data = {"account_id": account.id, "client_id": str(uuid.uuid4())}
    response = client.post(f"/notes/{note.id}/file", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{account.id}#notes"
    assert client.post(f"/notes/{note.id}/file", data=data).status_code == 303  # a replay
    db.session.expire_all()
    assert [n.account_id for n in _notes()] == [account.id]
    assert "Every note is filed" in client.get("/").get_data(as_text=True)


def test_a_note_is_filed_only_by_its_author_under_an_account_they_see(client, make, login):
    rep, other = make.user("rep"), make.user("other")
    _mine, theirs = make.account(owner=rep), make.account(owner=other)
    login(rep)
    client.post("/notes/new", data={"body": "Mine"})
    [note] = _notes()
    assert client.post(f"/notes/{note.id}/file", data={"account_id": theirs.id}).status_code == 404
    assert client.post(f"/notes/{note.id}/file", data={"account_id": ""}).status_code == 400
    login(other)
    assert client.get(f"/notes/{note.id}/file").status_code == 404
    db.session.expire_all()
    assert _notes()[0].account_id is None
