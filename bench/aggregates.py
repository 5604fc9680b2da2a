"""The manager pages that used to aggregate every deal and account of a team on each visit
(issue 13: team, territories, a rep's pipeline and farming, the forecast roll-up, the
one-to-one), timed on a filled database against a baseline checkout, side by side.

    .venv/bin/python bench/aggregates.py postgresql://…/db --baseline /tmp/base [--rounds 4]

`--baseline` is a checkout of the commit to compare with (`git archive <commit> | tar -x -C
DIR`), run against the same database (migrate it to this branch first; the baseline ignores
the totals tables). Each round runs the baseline then this tree, each in its own process,
each page visited `--visits` times after a warm-up; prints the median per page, the ratio
(this tree / baseline: below 1 is faster) and the SQL statements per page. Ratios, not
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

    def count(conn, cursor, statement, *args):
        if not statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

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
        times = []
        for _ in range(visits):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        result[f"{email} {path}"] = (statistics.median(times), statements)
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
    print(f"{'page':<62}{'base ms':>9}{'this ms':>9}{'ratio':>7}{'q base':>7}{'q this':>7}")
    ratios = []
    for key in runs["this"][0]:
        base = statistics.median(r[key][0] for r in runs["baseline"])
        this = statistics.median(r[key][0] for r in runs["this"])
        ratios.append(this / base)
        print(f"{key:<62}{base:>9.1f}{this:>9.1f}{this / base:>7.2f}"
              f"{runs['baseline'][0][key][1]:>7}{runs['this'][0][key][1]:>7}")
    print(f"geometric mean ratio {statistics.geometric_mean(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
