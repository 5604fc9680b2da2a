"""Import 50,000 accounts (and 50,000 opportunities on them) through the same service the
import page uses, into a fresh SQLite database (and PostgreSQL when TEST_DATABASE_URL is set);
print wall time and peak memory.

    .venv/bin/python bench/import_50k.py [--rows 50000]

Peak memory: tracemalloc (Python allocations during the import) and the process's maximum
resident set size (resource.getrusage; includes the interpreter and libraries)."""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Account, Opportunity, User  # noqa: E402
from webapp.services import imports as service  # noqa: E402

CITIES = [("Chicago", "IL", "606"), ("Milwaukee", "WI", "532"), ("Zürich", "ZH", "80"),
          ("München", "BY", "80"), ("Detroit", "MI", "482"), ("Saint Paul", "MN", "551")]
INDUSTRIES = ["Manufacturing", "Healthcare", "Logistics", "Food & Beverage", "Energy"]
STAGES = ["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review",
          "Closed Won", "Closed Lost"]


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """A Salesforce-style accounts export and an opportunities export, one deal per account."""
    rng = random.Random(7)
    accounts, deals = folder / "accounts.csv", folder / "opportunities.csv"
    with open(accounts, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Account ID", "Account Name", "Industry", "Billing Street", "Billing City",
                      "Billing State/Province", "Billing Zip/Postal Code", "Billing Country",
                      "Phone", "Website", "Account Owner"])
        for n in range(rows):
            city, region, zip_prefix = rng.choice(CITIES)
            out.writerow([f"001{n:012d}", f"Company {n} “{city}” GmbH", rng.choice(INDUSTRIES),
                          f"{rng.randint(1, 9999)} Main Street", city, region,
                          f"{zip_prefix}{rng.randint(0, 99):02d}", "US",
                          f"+1 312 555 {n % 10000:04d}", f"https://company{n}.example",
                          f"rep{n % 5}@example.com"])
    with open(deals, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Opportunity ID", "Account ID", "Opportunity Name", "Stage", "Amount",
                      "Close Date", "Next Step", "Opportunity Owner"])
        for n in range(rows):
            out.writerow([f"006{n:012d}", f"001{n:012d}", f"Deal {n}", rng.choice(STAGES),
                          f"{rng.randint(5, 500) * 1000:,}.00",
                          f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/2027",
                          "Call the buyer", f"rep{n % 5}@example.com"])
    return accounts, deals


def fresh_database(backend: str, folder: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        upgrade_database(url)
        return url, lambda: None
    admin_url = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"gw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade_database(url)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def timed_import(user, folder: Path, path: Path, kind: str,
                 trace: bool) -> tuple[float, float, object]:
    """(seconds, tracemalloc peak MiB or 0, review) for the import of one file as the import
    page's confirm button runs it (import_upload: each batch checked, then written; one
    transaction). The preview's check is timed first and printed."""
    with open(path, "rb") as stream:
        upload = service.save_upload(folder / "uploads", user, stream, path.name, kind)
    if not trace:  # the preview page's full check (a GET: no write lock), timed on its own
        started = time.perf_counter()
        service.review_upload(db.session, user, upload)
        db.session.rollback()
        print(f"    preview check {time.perf_counter() - started:6.2f} s wall")
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    done = service.import_upload(db.session, user, upload)
    seconds = time.perf_counter() - started
    done.cpu_seconds = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    return seconds, peak, done


def _app(url: str, folder: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    app.instance_path = str(folder)
    return app


def _users() -> User:
    admin = User(email="admin@example.com", name="Admin", role="admin")
    db.session.add(admin)
    db.session.add_all(User(email=f"rep{n}@example.com", name=f"Rep {n}", role="rep")
                       for n in range(5))
    db.session.commit()
    return admin


def run(backend: str, rows: int, trace_memory: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        accounts, deals = write_files(folder, rows)
        size = accounts.stat().st_size / 2**20
        print(f"{backend}: {rows} rows; accounts file {size:.1f} MiB, "
              f"opportunities file {deals.stat().st_size / 2**20:.1f} MiB")
        url, drop = fresh_database(backend, folder)
        try:
            app = _app(url, folder)
            with app.app_context():
                admin = _users()
                for label, path, kind in (("accounts", accounts, "accounts"),
                                          ("accounts again (all unchanged)", accounts, "accounts"),
                                          ("opportunities", deals, "opportunities")):
                    seconds, _, done = timed_import(admin, folder, path, kind, trace=False)
                    print(f"  {label:31s} {seconds:6.2f} s wall ({done.cpu_seconds:5.2f} s CPU "
                          f"in this process)   new {done.new} "
                          f"updated {done.updated} unchanged {done.unchanged}")
                counts = (db.session.scalar(select(func.count(Account.id))),
                          db.session.scalar(select(func.count(Opportunity.id))))
                assert counts == (rows, rows), counts
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()
        if not trace_memory:
            return
        # Memory on a fresh database: tracemalloc slows Python down several times, so its
        # run is not the one timed.
        (folder / "m").mkdir()
        url, drop = fresh_database(backend, folder / "m")
        try:
            app = _app(url, folder)
            with app.app_context():
                admin = _users()
                seconds, peak, done = timed_import(admin, folder, accounts, "accounts",
                                                   trace=True)
                print(f"  accounts, traced: tracemalloc peak {peak:.1f} MiB "
                      f"({seconds:.1f} s under tracing)")
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process max RSS so far: {maxrss:.0f} MiB (interpreter and libraries included); "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
    for backend in backends:
        run(backend, args.rows, not args.no_trace)


if __name__ == "__main__":
    main()
