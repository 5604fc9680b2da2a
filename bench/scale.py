"""At real size: generate the data, weigh the list pages per role, then the throughput bench.

    .venv/bin/python bench/scale.py [--scale 0.1] [--postgres postgresql://…/empty_db]

`make bench` runs it at --scale 0.1 on SQLite (6,000 accounts, 100,000 meetings; rep1 holds
3,000); pass --scale 1.0 for 60,000 accounts / 1,000,000 meetings, and --postgres with an empty
database to run it on PostgreSQL too (COPY). Ratios, not absolute times: the machine is shared.
"""
from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import PASSWORD, fresh_database, generate  # noqa: E402

BUDGET = 14 * 1024
ROLES = ("rep1@example.com", "manager@example.com", "admin@example.com")
PAGES = ("/", "/accounts/", "/accounts/?sort=touch", "/accounts/?page=2", "/accounts/index.json",
         "/meetings/new", "/pipeline/", "/pipeline/team", "/territories/", "/more")


def weigh(url: str) -> bool:
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"})
    app.instance_path = tempfile.mkdtemp()
    ok = True
    print(f"{'user':<22}{'page':<26}{'status':>7}{'raw KB':>9}{'gzip KB':>9}")
    for email in ROLES:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        for page in PAGES:
            response = client.get(page)
            if response.status_code != 200:
                continue
            body = response.get_data()
            size = len(gzip.compress(body))
            over = page != "/accounts/index.json" and size > BUDGET
            ok &= not over
            print(f"{email:<22}{page:<26}{response.status_code:>7}{len(body) / 1024:>9.1f}"
                  f"{size / 1024:>9.1f}{'  OVER 14 KB' if over else ''}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to fill as well")
    parser.add_argument("--seconds", type=int, default=4)
    args = parser.parse_args()
    urls = [fresh_database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'scale.sqlite'}")]
    if args.postgres:
        urls.append(fresh_database(args.postgres))
    ok = True
    for url in urls:
        print(f"\n--- {url.split('://')[0]}, scale {args.scale}: {generate(url, args.scale)}")
        ok &= weigh(url)
        ok &= subprocess.call([sys.executable, str(HERE / "throughput.py"), url,
                               "--seconds", str(args.seconds)]) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
