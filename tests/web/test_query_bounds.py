"""SQL statements per page (issue 13): at most 8 on every page of every role, and the same
number whatever the size of the data. The pages and the counting are bench/query_counts.py's;
the data is bench/generate.py's (accounts, contacts, deals with history, meetings,
commitments, notes) at two sizes four times apart."""
from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from tests.support.customers import renewing_customers
from webapp.extensions import db
from webapp.models import OneToOne, Quota
from webapp.domain.pipeline_metrics import fiscal_quarter
from webapp.queries import one_to_ones
from webapp.queries import pipeline as q

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from generate import NOW, generate  # noqa: E402
from query_counts import LIMIT, ROLES, count_pages, empty  # noqa: E402


def _counts_at(app, database_url, scale):
    with app.app_context():
        engine = db.engine
        db.session.remove()
        empty(engine)
        generate(database_url, scale)
        return count_pages(app, engine)


def test_every_page_runs_at_most_8_queries_whatever_the_data_size(app, database_url, clock):
    clock.set(NOW)
    small = _counts_at(app, database_url, 0.004)  # 240 accounts, 4,000 meetings
    large = _counts_at(app, database_url, 0.016)  # 960 accounts, 16,000 meetings
    assert len(small) >= sum(len(pages) for pages in ROLES.values())
    for key, (status, count) in small.items():
        assert status == 200, key
        assert count <= LIMIT, (key, count)
        assert large[key] == (200, count), (key, count, large[key])


# --- the combined pipeline queries give what the separate ones gave ----------------------------

Q4 = fiscal_quarter(date(2026, 11, 23))
Q3 = fiscal_quarter(date(2026, 8, 1))


def _deal(make, rep, **kw):
    account = make.account(owner=rep)
    return make.opportunity(account, **kw)


def test_rep_totals_match_the_per_figure_queries(make):
    manager = make.user("manager")
    rep, quiet = make.user("rep", manager=manager), make.user("rep", manager=manager)
    db.session.add_all([
        Quota(user_id=rep.id, period_start=Q4.start, period_end=Q4.end, amount=Decimal("90000")),
        Quota(user_id=rep.id, period_start=Q3.start, period_end=Q3.end, amount=Decimal("5000")),
    ])
    db.session.commit()
    _deal(make, rep, stage="proposal", qualified=True, amount=Decimal("1000.50"),
          close_on=date(2026, 12, 1))
    _deal(make, rep, stage="negotiation", qualified=True, amount=Decimal("2000"),
          close_on=date(2026, 11, 30))
    _deal(make, rep, stage="proposal", qualified=True, amount=Decimal("700"), currency="EUR",
          close_on=date(2026, 12, 2))
    _deal(make, rep, stage="qualified", qualified=False, amount=Decimal("300"),
          close_on=date(2026, 12, 2))  # not qualified: not pipeline, but a stage total
    _deal(make, rep, stage="won", amount=Decimal("4000"), closed_at=datetime(2026, 11, 2),
          close_on=date(2026, 11, 2))
    _deal(make, rep, stage="won", amount=Decimal("800"), closed_at=datetime(2026, 8, 2),
          close_on=date(2026, 8, 2))
    _deal(make, rep, stage="won", amount=Decimal("999"), currency="EUR",
          closed_at=datetime(2026, 11, 3), close_on=date(2026, 11, 3))
    _deal(make, rep, stage="lost", amount=Decimal("5"), closed_at=datetime(2026, 11, 4),
          close_on=date(2026, 11, 4))

    ids = [rep.id, quiet.id]
    totals = q.rep_totals(db.session, ids, "USD", [Q3, Q4], [Q3, Q4], [Q4])
    assert totals[rep.id].quotas == [Decimal("5000.00"), Decimal("90000.00")]
    assert totals[rep.id].won == q.won_by_rep(db.session, ids, [Q3, Q4], "USD")[rep.id] \
        == [Decimal("800.00"), Decimal("4000.00")]
    assert totals[rep.id].pipeline == q.qualified_pipeline_by_rep(db.session, ids, [Q4])[rep.id] \
        == {"USD": [Decimal("3000.50")], "EUR": [Decimal("700.00")]}
    stages = totals[rep.id].stages
    assert (stages["proposal"].count, stages["proposal"].amount) == (2, Decimal("1000.50"))
    assert (stages["qualified"].count, stages["qualified"].amount) == (1, Decimal("300.00"))
    assert stages["first_meeting"].count == 0
    nothing = totals[quiet.id]  # a rep with no deals and no quota
    assert nothing.quotas == [0, 0] and nothing.won == [0, 0] and nothing.pipeline == {}
    assert sum(s.count for s in nothing.stages.values()) == 0


def test_the_one_to_one_reads_its_week_and_the_one_before(make):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    db.session.add_all([OneToOne(manager_id=manager.id, rep_id=rep.id, week_start=week,
                                 notes=notes)
                        for week, notes in ((date(2026, 11, 2), "Old notes"),
                                            (date(2026, 11, 16), "Prep Acme"),
                                            (date(2026, 11, 30), "Later"))])
    db.session.commit()
    assert one_to_ones.one_to_one_and_previous_week(db.session, rep.id, date(2026, 11, 23)) \
        == (None, date(2026, 11, 16))
    record, previous = one_to_ones.one_to_one_and_previous_week(db.session, rep.id,
                                                                date(2026, 11, 16))
    assert record.notes == "Prep Acme" and previous == date(2026, 11, 2)
    assert one_to_ones.one_to_one_and_previous_week(db.session, rep.id, date(2026, 10, 26)) \
        == (None, None)


def test_the_territory_plan_lists_top_accounts_with_their_next_steps(make):
    manager = make.user("manager")
    rep = make.user("rep", manager=manager)
    top = make.account(rep, name="Top", potential=90)
    make.account(rep, name="Quiet", potential=80)
    make.account(rep, name="Low", potential=10)
    make.opportunity(top, name="Later deal", next_step="Demo", next_step_on=date(2026, 12, 9))
    make.opportunity(top, name="Soon deal", next_step="Call", next_step_on=date(2026, 12, 1))
    make.opportunity(top, name="Won deal", stage="won", next_step="x",
                     next_step_on=date(2026, 11, 1), closed_at=datetime(2026, 11, 1))
    plan = one_to_ones.territory_plan(db.session, manager, rep.id, limit=2)
    assert [(a.name, a.next_steps) for a in plan] == [
        ("Top", [("Soon deal", "Call", date(2026, 12, 1)),
                 ("Later deal", "Demo", date(2026, 12, 9))]),
        ("Quiet", []),
    ]


def test_the_balance_summed_by_the_database_matches_the_per_account_sums(make):
    from webapp.queries import territories as tq
    from webapp.domain import balance

    manager = make.user("manager")
    busy, idle = make.user("rep", manager=manager), make.user("rep", manager=manager)
    outsider = make.user("rep")  # another manager's: not in the balance
    accounts = [(busy, "customer", 80), (busy, "prospect", 40), (busy, "customer", 0),
                (outsider, "customer", 99), (None, "prospect", 50)]
    for n, (owner, status, potential) in enumerate(accounts):
        account = make.account(owner, status=status, potential=potential)
        make.opportunity(account, stage="proposal", qualified=True,
                         amount=Decimal(f"{n + 1}000.25"))
        make.opportunity(account, stage="qualified", qualified=False, amount=Decimal("7"))
        make.opportunity(account, stage="won", qualified=True, amount=Decimal("9"),
                         closed_at=datetime(2026, 11, 1))
    expected = balance.balance(tq.rep_loads(tq.team_reps(db.session, manager),
                                            tq.account_loads(db.session, manager)))
    rows = tq.team_balance(db.session, manager)
    assert rows == expected
    assert [(row.load.name, row.load.accounts, row.load.customers, row.load.potential,
             row.load.pipeline) for row in rows] == [
        (busy.name, 3, 2, 120, Decimal("6000.75")), (idle.name, 0, 0, 0, Decimal("0"))]


# --- the newer pages with their own rows (issues 14 and 15) --------------------------------------

NEWER = {"rep1@example.com": ("/renewals?days=180", "/renewals?days=180&page=2",
                              "/accounts/1/references", "/intel/pals/meeting", "/people/old"),
         "manager@example.com": ("/renewals?days=180", "/renewals?days=180&page=3",
                                 "/accounts/1/references", "/pipeline/reps/4/one-sided"),
         "admin@example.com": ("/renewals?days=180", "/accounts/1/references")}


def _newer_counts_at(app, database_url, scale):
    """Counts of the newer pages once every customer renews within half a year and every other
    one is a happy reference (`renewing_customers`)."""
    from sqlalchemy import event

    from generate import PASSWORD

    with app.app_context():
        engine = db.engine
        db.session.remove()
        empty(engine)
        generate(database_url, scale)
        renewing_customers(db.session, NOW)
        db.session.remove()
    app.config["SESSION_CACHE_SECONDS"] = 24 * 3600
    seen = []

    def _before(conn, cursor, statement, *args):
        if not statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            seen.append(statement)

    counts = {}
    for email, paths in NEWER.items():
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}
                           ).status_code == 303
        for path in paths:
            headers = {"HX-Request": "true"}
            client.get(path, headers=headers)
            seen.clear()
            event.listen(engine, "before_cursor_execute", _before)
            try:
                status = client.get(path, headers=headers).status_code
            finally:
                event.remove(engine, "before_cursor_execute", _before)
            counts[(email, path)] = (status, len(seen))
    return counts


def test_the_newer_pages_with_rows_run_the_same_few_queries_whatever_the_size(
        app, database_url, clock):
    clock.set(NOW)
    small = _newer_counts_at(app, database_url, 0.004)  # ~120 customers
    large = _newer_counts_at(app, database_url, 0.016)  # ~480: renewals run to several pages
    for key, (status, count) in small.items():
        assert status == 200, key
        assert count <= LIMIT, (key, count)
        assert large[key] == (200, count), (key, count, large[key])
