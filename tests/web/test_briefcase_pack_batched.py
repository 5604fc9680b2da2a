"""A pack of account pages reads their sections once for all of its accounts (issue 13 item 4):
the pages are the same as the rep gets them one by one online, each account showing its own
newest meetings and notes (ten each), deals and commitments, never another account's."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from webapp.extensions import db
from webapp.models import Commitment
from webapp.queries.accounts import RECENT_MEETINGS, RECENT_NOTES

from tests.web.test_briefcase import _same


def _pack(client, paths):
    response = client.get("/offline/pack?" + urlencode([("p", p) for p in paths]))
    assert response.status_code == 200
    return {page["path"]: page for page in response.get_json()["pages"]}


def _territory(make, rep, accounts=4):
    made = []
    start = datetime(2026, 9, 1, 9, 0)
    for a in range(accounts):
        account = make.account(owner=rep, name=f"Account {a} Ltd")
        make.contact(account, name=f"Person {a}")
        make.opportunity(account, stage="proposal", name=f"Deal of account {a}")
        # More meetings and notes than the page shows, interleaved in time across accounts.
        for i in range(RECENT_MEETINGS + 3):
            make.meeting(account, rep, started_at=start + timedelta(days=i, hours=a),
                         notes=f"Meeting {i} at account {a}")
        for i in range(RECENT_NOTES + 2):
            make.note(rep, account, body=f"Note {i} about account {a}")
        db.session.add(Commitment(account_id=account.id, party="ours",
                                  description=f"Promise to account {a}",
                                  due_on=date(2026, 12, 1 + a)))
        made.append(account)
    db.session.commit()
    return made


def test_a_pack_of_account_pages_shows_each_account_what_its_own_page_shows(
        client, make, login):
    rep, other = make.user("rep"), make.user("rep")
    accounts = _territory(make, rep)
    theirs = make.account(owner=other, name="Not Yours Inc")
    db.session.commit()
    login(rep)
    paths = [f"/accounts/{a.id}" for a in accounts] + [f"/accounts/{theirs.id}"]
    pack = _pack(client, paths)
    assert pack[f"/accounts/{theirs.id}"]["status"] == 404
    assert "body" not in pack[f"/accounts/{theirs.id}"]
    for n, account in enumerate(accounts):
        path = f"/accounts/{account.id}"
        online = client.get(path, headers={"X-Groundwork-Briefcase": "1"})
        assert _same(pack[path]["body"]) == _same(online.get_data(as_text=True)), path
        body = pack[path]["body"]
        assert f"Deal of account {n}" in body and f"Promise to account {n}" in body
        assert f"Meeting {RECENT_MEETINGS + 2} at account {n}" in body      # the newest
        assert f"Meeting 2 at account {n}<" not in body                       # past the ten
        for other_n in range(len(accounts)):
            if other_n != n:
                assert f"account {other_n}<" not in body and f"Deal of account {other_n}" not in body


def test_a_pack_reads_its_account_pages_sections_once_not_once_per_account(
        client, make, login, count_queries):
    rep = make.user("rep")
    small, big = _territory(make, rep, accounts=2), _territory(make, rep, accounts=8)
    login(rep)
    _pack(client, [f"/accounts/{a.id}" for a in small])        # warm the session caches
    with count_queries() as two:
        _pack(client, [f"/accounts/{a.id}" for a in small])
    with count_queries() as eight:
        _pack(client, [f"/accounts/{a.id}" for a in big])
    # Six more accounts cost their people, their intel and a look-up or two each, no more: the
    # account, its deals, meetings, notes and commitments come with the others' (one by one,
    # an account page costs seven queries or more).
    assert eight.count - two.count <= 6 * 4, eight.statements
    assert eight.count < 8 * 7
