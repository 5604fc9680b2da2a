"""The log-meeting form's account picker searches instead of listing every account: only what
the user may see, at most 20, and the form stays small whatever the number of accounts."""
from __future__ import annotations

import gzip
import re
import uuid

from sqlalchemy import insert

from webapp.extensions import db
from webapp.models import Account

HTMX = {"HX-Request": "true"}


def _offered(html: str) -> list[str]:
    return re.findall(r'name="account_id" value="\d+"[^>]*><span>([^<]*)</span>', html)


def _search(client, text: str, chosen=None) -> str:
    params = {"account_q": text} | ({"account_id": chosen} if chosen else {})
    response = client.get("/meetings/accounts", query_string=params, headers=HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    return response.get_data(as_text=True)


def test_a_rep_finds_only_their_own_accounts(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    make.account(owner=rep, name="Harbor Logistics", city="Milwaukee")
    make.account(owner=rep, name="Lakeshore Harbor Clinics", city="Chicago")
    make.account(owner=other, name="Harbor Freight Not Mine", city="Milwaukee")
    login(rep)

    # Names starting with the text first, then the rest by name; never another rep's account.
    assert _offered(_search(client, "harb")) == ["Harbor Logistics · Milwaukee",
                                                 "Lakeshore Harbor Clinics · Chicago"]
    assert _offered(_search(client, "milw")) == ["Harbor Logistics · Milwaukee"]
    assert _offered(_search(client, "harbor chic")) == ["Lakeshore Harbor Clinics · Chicago"]
    assert "No account matches “Not Mine”" in _search(client, "Not Mine")


def test_a_manager_finds_the_teams_accounts_but_not_another_teams(client, make, login):
    manager, elsewhere = make.user("manager"), make.user("manager")
    mine, theirs = make.user("rep", manager=manager), make.user("rep", manager=elsewhere)
    make.account(owner=mine, name="Prairie Foods", city="")
    make.account(owner=theirs, name="Prairie Dairy", city="")
    login(manager)
    assert _offered(_search(client, "prairie")) == ["Prairie Foods"]


def test_wildcards_are_taken_literally_and_at_most_twenty_are_offered(client, make, login):
    rep = make.user("rep")
    for n in range(30):
        make.account(owner=rep, name=f"Acme {n:02d}", city="")
    make.account(owner=rep, name="100% Cotton", city="")
    login(rep)
    assert len(_offered(_search(client, "acme"))) == 20
    assert _offered(_search(client, "%")) == ["100% Cotton"]
    assert _offered(_search(client, "_")) == []


def test_the_chosen_account_stays_offered_while_searching_for_another(client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    harbor = make.account(owner=rep, name="Harbor Logistics", city="")
    make.account(owner=rep, name="Prairie Foods", city="")
    foreign = make.account(owner=other, name="Secret Co", city="")
    login(rep)
    html = _search(client, "prairie", chosen=harbor.id)
    assert _offered(html) == ["Harbor Logistics", "Prairie Foods"]
    assert re.search(rf'value="{harbor.id}"[^>]*checked', html)
    # Someone else's account id is not revealed by passing it as the chosen one.
    assert "Secret Co" not in _search(client, "prairie", chosen=foreign.id)


def test_odd_search_input_is_answered_not_a_500(client, make, login):
    rep = make.user("rep")
    make.account(owner=rep, name="Harbor Logistics", city="")
    login(rep)
    for chosen in ("²", "9" * 5000, "-1", "0", str(2**63)):
        assert _offered(_search(client, "harb", chosen=chosen)) == ["Harbor Logistics"]
    assert _offered(_search(client, "harb " * 500)) == ["Harbor Logistics"]
    assert "No account matches" in _search(client, "\x00;' OR 1=1 --")


def test_a_plain_visit_of_the_search_opens_the_form(client, make, login):
    login(make.user("rep"))
    response = client.get("/meetings/accounts?account_q=x")
    assert response.status_code == 302 and response.headers["Location"] == "/meetings/new"


def test_without_javascript_find_shows_the_matches_and_keeps_what_was_typed(client, make, login):
    rep = make.user("rep")
    make.account(owner=rep, name="Harbor Logistics", city="")
    make.account(owner=rep, name="Prairie Foods", city="")
    login(rep)
    client_id = str(uuid.uuid4())
    response = client.post("/meetings/new", data={
        "client_id": client_id, "notes": "Typed first.", "account_q": "prai",
        "show_contacts": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _offered(html) == ["Prairie Foods"]
    assert "Typed first." in html and f'value="{client_id}"' in html


def test_log_meeting_form_stays_small_for_an_admin_with_60000_accounts(client, make, login,
                                                                       count_queries):
    admin, rep = make.user("admin"), make.user("rep")
    db.session.execute(insert(Account), [
        {"uuid": str(uuid.uuid4()), "name": f"Northwind Logistics Holdings {n:05d}",
         "city": "Minneapolis", "owner_id": rep.id} for n in range(60_000)])
    db.session.commit()
    login(admin)

    with count_queries() as form_queries:
        response = client.get("/meetings/new")
    assert response.status_code == 200
    assert len(gzip.compress(response.data)) <= 14 * 1024
    assert len(_offered(response.get_data(as_text=True))) == 5  # the recent ones, not 60,000
    assert form_queries.count <= 4

    found = _search(client, "holdings 0599")  # 00599, 05990-05999, 10599 … 50599
    assert len(_offered(found)) == 16 and len(gzip.compress(found.encode())) < 2 * 1024
