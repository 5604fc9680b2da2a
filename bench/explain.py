"""The slowest SQL statements of every page at real size, with PostgreSQL's plan for each.

    .venv/bin/python bench/explain.py postgresql://…/db_filled_by_generate [--over-ms 20]
        [--plans] [--only /renewals /intel …] [--newer]

Signs each role in, visits the pages bench/query_counts.py lists, times every statement and
prints those slower than --over-ms with `EXPLAIN ANALYZE`. Times are of a shared machine:
compare plans and orders of magnitude, not milliseconds.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from sqlalchemy import event  # noqa: E402

from generate import PASSWORD  # noqa: E402
from query_counts import HX_PAGES, ROLES, make_app  # noqa: E402


# Further paths of the newer pages (issues 14 and 15) beyond bench/query_counts.py's: a later
# page of the renewals, the team's renewals and references. Run on a copy of the database
# whose customers have renewal dates and a health (bench/generate.py leaves both empty):
#   UPDATE accounts SET renewal_on = date '2026-11-30' + (1 + id % 179) WHERE status = 'customer';
#   INSERT INTO account_success (account_id, outcome, health, health_reason, reference_willing,
#     updated_at) SELECT id, '', 'good', '', id % 4 = 0, now() FROM accounts
#     WHERE status = 'customer' AND id % 2 = 0;
NEWER_PAGES = (
    ("/renewals?days=180&page=2", "rep1@example.com"),
    ("/renewals?days=180&page=10", "manager@example.com"),
    ("/accounts/1/references", "manager@example.com"),
    ("/renewals?days=180", "admin@example.com"),
    ("/accounts/1/references", "admin@example.com"),
    ("/people/old", "manager@example.com"),
)


def main() -> int:
    from webapp.config import normalise_database_url
    from webapp.extensions import db

    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--over-ms", type=float, default=20.0)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN ANALYZE of slow ones")
    parser.add_argument("--only", nargs="+", default=(),
                        help="only the pages whose path starts with one of these")
    parser.add_argument("--newer", action="store_true",
                        help="also the newer pages' further paths (NEWER_PAGES below)")
    args = parser.parse_args()
    app = make_app(normalise_database_url(args.url))
    with app.app_context():
        engine = db.engine
    timings: list[tuple[float, str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timings.append(((time.perf_counter() - conn.info.pop("started")) * 1000, statement,
                        parameters))

    slow = []
    for email, paths in ROLES.items():
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        extra = [p for p, who in HX_PAGES if who == email]
        if args.newer:
            extra += [p for p, who in NEWER_PAGES if who == email and p not in paths]
        for path in list(paths) + extra:
            if args.only and not path.startswith(tuple(args.only)):
                continue
            client.get(path)
            timings.clear()
            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            started = time.perf_counter()
            status = client.get(path).status_code
            total = (time.perf_counter() - started) * 1000
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            sql = sum(t for t, _, _ in timings)
            print(f"{email:<22}{path:<44}{status:>5}{total:>9.1f} ms{sql:>9.1f} ms SQL"
                  f"{len(timings):>4} q", flush=True)
            slow += [(t, email, path, s, p) for t, s, p in timings if t > args.over_ms]
    slow.sort(key=lambda x: -x[0])
    print(f"\n{len(slow)} statements over {args.over_ms} ms")
    for t, email, path, statement, parameters in slow:
        print(f"\n--- {t:.1f} ms  {email} {path}\n{statement}\n{parameters}")
        if args.plans:
            with engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + statement, parameters)
                    print("\n".join(row[0] for row in cursor.fetchall()))
                raw.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
