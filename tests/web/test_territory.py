"""My territory: every visible account, filtered in the browser, sorted with a server fallback."""
from __future__ import annotations

import gzip
import random
import re
from datetime import datetime

import pytest

from webapp.extensions import db
from webapp.models import Account


def names(html: str) -> list[str]:
    """Account names in list order."""
    return re.findall(r"<li><a href=\"/accounts/\d+\"><b>(.*?)</b>", html)


def test_rep_sees_exactly_their_own_accounts(client, make, login):
    rep = make.user("rep")
    make.account(rep, name="Mine One")
    make.account(rep, name="Mine Two")
    make.account(make.user("rep"), name="Somebody Else's")
    make.account(None, name="Unassigned")
    login(rep)

    html = client.get("/accounts/").get_data(as_text=True)

    assert names(html) == ["Mine One", "Mine Two"]
    assert "2 accounts" in html


def test_manager_sees_the_teams_accounts_with_their_owner(client, make, login):
    manager = make.user("manager")
    maya = make.user("rep", manager=manager, name="Maya Okafor")
    luis = make.user("rep", manager=manager, name="Luis Ortega")
    other_team = make.user("rep", manager=make.user("manager"))
    make.account(maya, name="Maya's Account")
    make.account(luis, name="Luis's Account")
    make.account(other_team, name="Other Team's Account")
    login(manager)

    html = client.get("/accounts/").get_data(as_text=True)

    assert names(html) == ["Luis&#39;s Account", "Maya&#39;s Account"]
    assert "Maya Okafor" in html and "Luis Ortega" in html


def test_admin_sees_every_account(client, make, login):
    make.account(make.user("rep"), name="A")
    make.account(make.user("rep", manager=make.user("manager")), name="B")
    make.account(None, name="C")
    login(make.user("admin"))
    assert names(client.get("/accounts/").get_data(as_text=True)) == ["A", "B", "C"]


def test_list_has_a_labelled_filter_a_live_count_and_the_filter_script(client, make, login):
    rep = make.user("rep")
    make.account(rep, name="Lakeshore Precision", city="Milwaukee", industry="Manufacturing",
                 potential=73, last_touch_at=datetime(2026, 11, 20, 14, 5))
    login(rep)

    html = client.get("/accounts/").get_data(as_text=True)

    assert '<label for="q">' in html and 'id="q" name="q" type="search"' in html
    assert re.search(r'id="count" role="status" aria-live="polite">1 account<', html)
    assert re.search(r'<script src="/static/js/territory.js\?v=\w+" defer>', html)
    # One row: name, city · industry, last touch as a short date (sortable), potential.
    assert ("<b>Lakeshore Precision</b><small>Milwaukee · Manufacturing</small>"
            '<time datetime="2026-11-20T14:05Z">Nov 20</time><i>73</i>') in html


@pytest.mark.parametrize("sort, expected", [
    ("name", ["Alpha", "bravo", "Charlie"]),
    ("potential", ["Charlie", "Alpha", "bravo"]),
    ("touch", ["bravo", "Alpha", "Charlie"]),
    ("nonsense", ["Alpha", "bravo", "Charlie"]),
])
def test_server_sorts_when_the_browser_cannot(client, make, login, sort, expected):
    rep = make.user("rep")
    make.account(rep, name="Charlie", potential=90)  # never touched: last by last touch
    make.account(rep, name="bravo", potential=10, last_touch_at=datetime(2026, 11, 22, 9, 0))
    make.account(rep, name="Alpha", potential=50, last_touch_at=datetime(2026, 10, 1, 9, 0))
    login(rep)

    html = client.get(f"/accounts/?sort={sort}").get_data(as_text=True)

    assert names(html) == expected
    selected = "name" if sort == "nonsense" else sort
    assert f'<option value="{selected}" selected>' in html


def test_server_filters_name_city_and_industry_when_the_browser_cannot(client, make, login):
    rep = make.user("rep")
    make.account(rep, name="Prairie Foods", city="Madison", industry="Food & Beverage")
    make.account(rep, name="Harbor Freight Lines", city="Milwaukee", industry="Logistics")
    make.account(rep, name="Madison Dairy", city="Waukesha", industry="Food & Beverage")
    login(rep)

    def filtered(q):
        return names(client.get("/accounts/", query_string={"q": q}).get_data(as_text=True))

    assert filtered("madison") == ["Madison Dairy", "Prairie Foods"]
    assert filtered("logist") == ["Harbor Freight Lines"]
    assert filtered("food waukesha") == ["Madison Dairy"]
    assert filtered("100%") == []


def test_list_answers_htmx_with_the_rows_only(client, make, login):
    rep = make.user("rep")
    make.account(rep, name="Only Row")
    login(rep)
    response = client.get("/accounts/?sort=potential", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert names(html) == ["Only Row"]
    assert "HX-Request" in response.headers["Vary"]


def _bulk_accounts(owner, n, seed=7):
    """n accounts with realistic names and spread last touches, inserted in one go."""
    from webapp.demo import INDUSTRIES, NAME_FIRST, NAME_SECOND

    rng = random.Random(seed)
    rows = []
    for i in range(n):
        industry = rng.choice(INDUSTRIES)
        rows.append(Account(
            name=f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND[industry])} {i}",
            city=rng.choice(("Chicago", "Milwaukee", "Minneapolis", "Detroit", "Evanston")),
            industry=industry, potential=rng.randint(0, 100), owner_id=owner.id,
            last_touch_at=datetime(2026, 11, 22) - (datetime(2026, 11, 22) - datetime(2025, 6, 1))
            * rng.random() if rng.random() < 0.9 else None))
    db.session.add_all(rows)
    db.session.commit()


def test_three_hundred_accounts_fit_the_page_budget(client, make, login):
    manager = make.user("manager")
    reps = [make.user("rep", manager=manager, name=f"Rep Number{i}") for i in range(4)]
    for i, rep in enumerate(reps):
        _bulk_accounts(rep, 75, seed=i)
    login(manager)  # the manager's list also names each account's owner

    body = client.get("/accounts/").get_data()

    assert body.count(b"<li>") == 300
    assert len(gzip.compress(body)) <= 14 * 1024


def test_list_runs_the_same_number_of_queries_with_five_times_the_accounts(
        client, make, login, count_queries):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    _bulk_accounts(rep, 20)
    for user in (rep, manager):
        login(user)
        with count_queries() as small:
            assert client.get("/accounts/?sort=touch").status_code == 200
        _bulk_accounts(rep, 100, seed=user.id)
        with count_queries() as large:
            assert client.get("/accounts/?sort=touch").status_code == 200
        assert large.count == small.count, large.statements
