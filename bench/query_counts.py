"""SQL statements per page, per role, at two data sizes: the count must stay the same (and at
most 8) whatever the size.

    .venv/bin/python bench/query_counts.py [--scales 0.005 0.05] [--postgres postgresql://…/db]

Each size fills a fresh database with bench/generate.py (SQLite in a temporary folder, or the
given empty PostgreSQL database, emptied between sizes), signs each role in and counts the
statements each page runs (BEGIN/SAVEPOINT/PRAGMA not counted). `tests/web/test_query_bounds.py`
walks the same pages.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from sqlalchemy import event  # noqa: E402

from generate import NOW, PASSWORD, fresh_database, generate  # noqa: E402

LIMIT = 8
# Ids bench/generate.py fixes: admin 1, managers 2-3, rep1 4 (manager 2's), accounts 1…
# rep1's, opportunity and contact 1 on account 1.
REP1, MANAGER, REP1_ACCOUNT = 4, 2, 1
WEEK = (NOW.date() - timedelta(days=NOW.date().weekday())).isoformat()
REP_PAGES = (
    "/", "/more", "/accounts/", "/accounts/?sort=touch", "/accounts/?sort=potential",
    "/accounts/?page=2", "/accounts/?q=acme", "/accounts/index.json",
    f"/accounts/{REP1_ACCOUNT}", "/accounts/new", "/opportunities/1",
    f"/opportunities/new?account_id={REP1_ACCOUNT}", "/meetings/new",
    f"/meetings/new?account_id={REP1_ACCOUNT}", f"/contacts/new?account_id={REP1_ACCOUNT}",
    "/contacts/1/edit", "/notes/new", "/pipeline/", "/pipeline/farming", "/pipeline/forecast",
    "/pipeline/opportunities/1/qualify", "/territories/my-changes", "/offline/manifest.json",
    "/account/password", "/reminders/settings",
    # customer success and cascade (issue 14 items 4, 6)
    "/renewals", "/renewals?days=180", f"/accounts/{REP1_ACCOUNT}/references",
    "/accounts/near", "/accounts/map",  # issue 15
    "/calendar", f"/vcards/import?account_id={REP1_ACCOUNT}",  # calendar and contacts in (issue 15)
    "/people/", "/people/old", "/people/move?contact_id=1",  # issue 14: people, old lists
    # vendor pals and intel (issue 14 item 3)
    "/intel/pals", "/intel/pals/meeting", f"/intel/new?account_id={REP1_ACCOUNT}",
)
MANAGER_PAGES = (
    "/", "/accounts/", "/accounts/?sort=touch", "/accounts/index.json",
    f"/accounts/{REP1_ACCOUNT}", "/opportunities/1", "/meetings/new", "/pipeline/team",
    f"/pipeline/reps/{REP1}", f"/pipeline/reps/{REP1}/farming", "/pipeline/forecast/team",
    "/pipeline/one-to-ones", f"/pipeline/one-to-ones/{REP1}/{WEEK}", "/territories/",
    "/territories/plans/new", "/territories/my-changes",
    "/renewals", "/renewals?days=180", f"/pipeline/reps/{REP1}/effort",
)
ADMIN_PAGES = (
    "/", "/accounts/", "/accounts/?sort=potential", "/accounts/?q=acme", "/accounts/index.json",
    f"/accounts/{REP1_ACCOUNT}", "/meetings/new", "/pipeline/team", "/pipeline/settings",
    "/admin/users", f"/admin/users/{REP1}", "/admin/audit", "/imports/", "/territories/",
)
ROLES = {"rep1@example.com": REP_PAGES, "manager@example.com": MANAGER_PAGES,
         "admin@example.com": ADMIN_PAGES}
HX_PAGES = {  # htmx fragments: (path, role)
    ("/meetings/accounts?account_q=acme", "rep1@example.com"),
    (f"/meetings/contacts?account_id={REP1_ACCOUNT}", "rep1@example.com"),
    ("/accounts/?page=2", "rep1@example.com"),
    ("/reminders/today", "rep1@example.com"),  # Today's reminders (reminders/_today.html)
    ("/calendar/drafts", "rep1@example.com"),
    (f"/pipeline/reps/{REP1}/one-sided", "manager@example.com"),
}


def count_pages(app, engine) -> dict[tuple[str, str], tuple[int, int]]:
    """{(email, path): (status, statements)} for every page of every role. The client signs
    in first and visits each page three times (the first visit fills per-process caches such as
    the session cache); the fewer statements of the next two is counted."""
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    seen: list[str] = []
    # The session is read from the database once a minute per signed-in user (the session
    # cache, webapp/sessions.py), not by a page: on a slow run that minute could end in the
    # middle of a count and add it to whichever page was being counted.
    app.config["SESSION_CACHE_SECONDS"] = 24 * 3600

    def _before(conn, cursor, statement, *args):
        if not statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            seen.append(statement)

    hx = {}
    for path, email in HX_PAGES:
        hx.setdefault(email, []).append(path)
    for email, paths in ROLES.items():
        client = app.test_client()
        answer = client.post("/login", data={"email": email, "password": PASSWORD})
        assert answer.status_code == 303, (email, answer.status_code)
        visits = [(p, {}) for p in paths] + [(p, {"HX-Request": "true"}) for p in hx.get(email, [])]
        for path, headers in visits:
            client.get(path, headers=headers)
            # Counted twice, the fewer kept: a statement that comes once in a while (seen on a
            # loaded machine, one extra on one page, never twice in a row) is not the page's.
            # Growth with the data shows in both.
            tries = []
            for _ in range(2):
                seen.clear()
                event.listen(engine, "before_cursor_execute", _before)
                try:
                    status = client.get(path, headers=headers).status_code
                finally:
                    event.remove(engine, "before_cursor_execute", _before)
                tries.append((status, len(seen)))
            key = path + (" (htmx)" if headers else "")
            counts[(email, key)] = min(tries, key=lambda t: t[1])
    return counts


def make_app(url: str):
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
                      "CLOCK": lambda: NOW})
    app.instance_path = tempfile.mkdtemp()
    return app


def empty(engine) -> None:
    """Delete every row (PostgreSQL: and restart the ids), for the next size."""
    from sqlalchemy import text

    from webapp import models as m

    tables = list(reversed(m.Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def main() -> int:
    from webapp.extensions import db

    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=float, nargs=2, default=(0.005, 0.05))
    parser.add_argument("--postgres", help="an empty PostgreSQL database (emptied between sizes)")
    args = parser.parse_args()
    results = []
    for scale in args.scales:
        if args.postgres:
            from sqlalchemy import create_engine

            url = fresh_database(args.postgres)
            engine = create_engine(url)
            empty(engine)
            engine.dispose()
        else:
            url = fresh_database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'q.sqlite'}")
        sizes = generate(url, scale)
        app = make_app(url)
        with app.app_context():
            engine = db.engine
        results.append((sizes["accounts"], count_pages(app, engine)))
        with app.app_context():
            db.engine.dispose()
    (small_n, small), (large_n, large) = results
    print(f"{'user':<22}{'page':<44}{'status':>7}{small_n:>8}{large_n:>8}")
    ok = True
    for key in small:
        status, a = small[key]
        b = large[key][1]
        bad = b != a or b > LIMIT or status >= 500
        ok &= not bad
        print(f"{key[0]:<22}{key[1]:<44}{status:>7}{a:>8}{b:>8}{'  !' if bad else ''}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
