"""The manager pages that used to aggregate every deal and account of a team on each visit
(issue 13: team, territories, a rep's pipeline and farming, the forecast roll-up, the
one-to-one), timed on a filled database against a baseline checkout, side by side.

    .venv/bin/python bench/aggregates.py postgresql://…/db --baseline /tmp/base [--rounds 4]

`--baseline` is a checkout of the commit to compare with (`git archive <commit> | tar -x -C
DIR`), run against the same database (migrate it to this branch first; the baseline ignores
the totals tables). Each round runs the baseline then this tree, each in its own process,
each page visited `--visits` times after a warm-up; prints the median per page (wall, and
time in SQL), the ratios (this tree / baseline: below 1 is faster) and the statements per page. Ratios, not
absolute times: the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = [
    ("manager@example.com", "/pipeline/team"),
    ("manager@example.com", "/territories/"),
    ("manager@example.com", "/pipeline/reps/4"),
    ("manager@example.com", "/pipeline/reps/4/farming"),
    ("manager@example.com", "/pipeline/forecast/team"),
    ("manager@example.com", "/pipeline/one-to-ones/4/{week}"),
    ("rep1@example.com", "/pipeline/"),
    ("admin@example.com", "/pipeline/team"),
    ("admin@example.com", "/territories/"),
]


def child(root: str, url: str, visits: int) -> None:
    sys.path[:0] = [root, str(Path(root) / "bench")]
    from generate import PASSWORD
    from query_counts import WEEK, make_app
    from sqlalchemy import event

    from webapp.config import normalise_database_url
    from webapp.extensions import db

    app = make_app(normalise_database_url(url))
    app.config["SESSION_CACHE_SECONDS"] = 24 * 3600
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    sql_ms: list[float] = []

    def count(conn, cursor, statement, *args):
        if not statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    def started(conn, *args):
        conn.info["agg_started"] = time.perf_counter()

    def finished(conn, *args):
        sql_ms.append((time.perf_counter() - conn.info.pop("agg_started")) * 1000)

    clients = {}
    result = {}
    for email, path in PAGES:
        path = path.format(week=WEEK)
        if email not in clients:
            clients[email] = app.test_client()
            clients[email].post("/login", data={"email": email, "password": PASSWORD})
        client = clients[email]
        assert client.get(path).status_code == 200, (email, path)
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        statements = len(seen)
        times, sql = [], []
        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", finished)
        for _ in range(visits):
            sql_ms.clear()
            begun = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - begun) * 1000)
            sql.append(sum(sql_ms))
        event.remove(engine, "before_cursor_execute", started)
        event.remove(engine, "after_cursor_execute", finished)
        result[f"{email} {path}"] = (statistics.median(times), statements, statistics.median(sql))
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.visits)
        return 0
    runs: dict[str, list[dict]] = {"baseline": [], "this": []}
    for _ in range(args.rounds):  # A B A B: both see the same load on a shared machine
        for name, root in (("baseline", args.baseline), ("this", str(HERE.parent))):
            out = subprocess.run([sys.executable, __file__, args.url, "--baseline",
                                  args.baseline, "--visits", str(args.visits), "--child", root],
                                 check=True, capture_output=True, text=True).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'page':<56}{'base ms':>8}{'this ms':>8}{'ratio':>6}{'SQL base':>9}{'SQL this':>9}"
          f"{'ratio':>6}{'q':>6}")
    ratios = []
    for key in runs["this"][0]:
        base, this, base_sql, this_sql = (
            statistics.median(r[key][i] for r in runs[name])
            for name, i in (("baseline", 0), ("this", 0), ("baseline", 2), ("this", 2)))
        ratios.append(this / base)
        print(f"{key:<56}{base:>8.1f}{this:>8.1f}{this / base:>6.2f}{base_sql:>9.1f}"
              f"{this_sql:>9.1f}{this_sql / base_sql:>6.2f}"
              f"{runs['baseline'][0][key][1]:>3}/{runs['this'][0][key][1]}")
    print(f"geometric mean ratio (wall) {statistics.geometric_mean(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
