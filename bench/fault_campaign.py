"""The fault campaign, big: phones drive gunicorn (as `make run` starts it) the way the
offline outbox does, through seeded random sequences with duplicate and concurrent sends,
conflicting edits, ended sessions, late out-of-order replays and SIGKILLs of the server
mid-write; then the database is checked (see tests/support/campaign.py for what must hold).
A throwaway SQLite file and a throwaway PostgreSQL database; loopback only. Prints a line per
backend and every problem found; exits 1 if any.

    .venv/bin/python bench/fault_campaign.py [--sequences 1000] [--kills 40] [--seed 1]
        [--backend sqlite|postgresql|both] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.appserver import AppServer, throwaway_postgres  # noqa: E402
from tests.support.campaign import Campaign, seed_team  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402


def campaign_on(url: str, backend: str, args, tmp: Path) -> list[str]:
    upgrade_database(url)
    team = seed_team(url, reps=args.reps, opportunities=3)
    server = AppServer(url, log=tmp / f"gunicorn-{backend}.log").start()
    campaign = Campaign(server, url, team, seed=args.seed,
                        progress=lambda line: print(backend + line, flush=True))
    try:
        report = campaign.run(args.sequences, kills=args.kills, parallel=args.parallel)
    finally:
        server.stop()
        campaign.close()
    print(report.line(backend), flush=True)
    print(f"  ended-session answers: {dict(report.ended_session_answers)}", flush=True)
    for problem in report.problems[:50]:
        print("  PROBLEM " + problem, flush=True)
    return report.problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=12)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gw-campaign-"))
    problems = []
    try:
        if args.backend in ("sqlite", "both"):
            problems += campaign_on(f"sqlite:///{tmp / 'campaign.sqlite'}", "sqlite", args, tmp)
        if args.backend in ("postgresql", "both"):
            with throwaway_postgres(args.postgres, "gw_campaign") as url:
                problems += campaign_on(url, "postgresql", args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
