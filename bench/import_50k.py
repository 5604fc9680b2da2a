"""Import 50,000 accounts (and 50,000 opportunities on them) through the same service and
background runner the import page uses, into a fresh SQLite database (and PostgreSQL when
TEST_DATABASE_URL is set); print wall time, peak memory, and how long another user's saves
waited for the database while the import ran.

    .venv/bin/python bench/import_50k.py [--rows 50000]

Peak memory: tracemalloc (Python allocations during the import) and the process's maximum
resident set size (resource.getrusage; includes the interpreter and libraries)."""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app  # noqa: E402
from webapp.database import upgrade_database  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Account, AuditEvent, ImportJob, Opportunity, User  # noqa: E402
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


class OtherWriter:
    """Another user saving something every 50 ms on its own connection while the import
    runs (as a rep's note would), timing how long each save waits for the database."""

    def __init__(self, engine):
        self.engine, self.waits, self._stop = engine, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            started = time.perf_counter()
            with self.engine.begin() as conn:  # BEGIN IMMEDIATE on SQLite: waits for the lock
                conn.execute(AuditEvent.__table__.insert().values(
                    at=datetime(2026, 11, 23), action="bench.other_writer", target_type="",
                    target_id="", detail="{}", ip=""))
            self.waits.append(time.perf_counter() - started)
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        if not self.waits:
            return "no other writes"
        waits = sorted(self.waits)
        return (f"{len(waits)} writes by another user meanwhile: median "
                f"{statistics.median(waits) * 1000:.0f} ms, slowest {waits[-1] * 1000:.0f} ms")


class LongestTransaction:
    """The longest transaction this thread (the runner) keeps open: on SQLite, how long it
    holds the write lock at most."""

    def __init__(self, engine):
        self.engine, self.longest, self._began, self.all = engine, 0.0, {}, []
        self._thread = threading.get_ident()

    def _begin(self, conn):
        if threading.get_ident() == self._thread:
            self._began[id(conn)] = time.perf_counter()

    def _end(self, conn):
        began = self._began.pop(id(conn), None)
        if began is not None:
            self.all.append(time.perf_counter() - began)
            self.longest = max(self.longest, self.all[-1])

    def __enter__(self):
        # Listeners stay (removing one while the other writer's thread runs them is unsafe);
        # only this thread's transactions are timed, and only inside the block.
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._end)
        event.listen(self.engine, "rollback", self._end)
        return self

    def __exit__(self, *exc):
        self._thread = None


def timed_import(user, path: Path, kind: str, trace: bool) -> tuple[float, float, object]:
    """(seconds, tracemalloc peak MiB or 0, review) for the import of one file as the import
    page runs it: the upload kept, the check (timed and printed on its own), then the import
    by the background runner (a batch per transaction), with another user writing meanwhile."""
    with open(path, "rb") as stream:
        job_id, _ = service.save_upload(db.session, user, stream, path.name, kind)
    if not trace:
        started = time.perf_counter()
        with LongestTransaction(db.engine), OtherWriter(db.engine) as other:
            assert service.run(db.session, job_id) == "checked"
        print(f"    check {time.perf_counter() - started:6.2f} s wall; {other.summary()}")
    else:
        service.run(db.session, job_id)
    job = db.session.get(ImportJob, job_id)
    service.start_import(db.session, job)
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    with LongestTransaction(db.engine) as longest, OtherWriter(db.engine) as other:
        status = service.run(db.session, job_id)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert status == "imported", job.result
    done = service.Review.from_dict(job.result)
    done.cpu_seconds = cpu
    done.other = (f"{len(longest.all)} transactions, median "
                  f"{statistics.median(longest.all) * 1000:.0f} ms, longest "
                  f"{longest.longest * 1000:.0f} ms (last {longest.all[-1] * 1000:.0f} ms); "
                  f"{other.summary()}")
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
                    seconds, _, done = timed_import(admin, path, kind, trace=False)
                    print(f"  {label:31s} {seconds:6.2f} s wall ({done.cpu_seconds:5.2f} s CPU "
                          f"in this process)   new {done.new} "
                          f"updated {done.updated} unchanged {done.unchanged}")
                    print(f"    while importing: {done.other}")
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
                seconds, peak, done = timed_import(admin, accounts, "accounts", trace=True)
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
