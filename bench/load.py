"""Load bench: 50 simulated reps against the app as `make run` starts it (gunicorn, two
workers, four threads) on PostgreSQL, for a bounded time. 80 % reads (Today, the territory
list, an account, an opportunity), 20 % writes through the outbox's protocol (meetings, notes,
opportunity updates with client ids, CSRF from /sync/token). A third of the way in every
connection to the bench's database is cut (pg_terminate_backend: the other databases on the
cluster are left alone), two thirds in a gunicorn worker is SIGKILLed; for each, the failed
requests and the time until requests succeed again are printed. Afterwards every confirmed
write must be stored exactly once.

A throwaway database, loopback only; each rep thinks 0.5–1.5 s between requests.

    .venv/bin/python bench/load.py [--seconds 90] [--reps 50]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, func, select, text, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from tests.support.appserver import AppServer, OutboxClient, throwaway_postgres  # noqa: E402
from webapp.demo import DEMO_PASSWORD  # noqa: E402
from webapp.models import Account, Meeting, Note, Opportunity, OpportunityChange, User  # noqa: E402

BIN = Path(sys.executable).parent


@dataclass
class Sample:
    at: float  # seconds since the start
    kind: str  # read | write
    status: int | None
    ms: float

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


def prepare(url: str, reps: int) -> list[tuple[str, list[int], list[int]]]:
    """`make run`'s steps (init-db, demo), then reps 5..N: the demo's accounts dealt out so
    each rep works their own. Returns (e-mail, account ids, opportunity ids) per rep."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([str(BIN / "groundwork"), "init-db"], env=env, check=True, cwd=ROOT)
    subprocess.run([str(BIN / "groundwork"), "demo", "--if-empty"], env=env, check=True, cwd=ROOT)
    engine = create_engine(url)
    with Session(engine) as session:
        template = session.scalar(select(User).where(User.email == "rep1@example.com"))
        users = [session.scalar(select(User).where(User.email == f"rep{n}@example.com"))
                 for n in range(1, 5)]
        for n in range(5, reps + 1):
            user = User(email=f"rep{n}@example.com", name=f"Load Rep {n}", role="rep",
                        manager_id=template.manager_id, password_hash=template.password_hash)
            session.add(user)
            users.append(user)
        session.flush()
        accounts = session.scalars(select(Account.id).where(Account.owner_id.is_not(None))
                                   .order_by(Account.id)).all()
        plan = defaultdict(list)
        for i, account_id in enumerate(accounts):
            plan[users[i % reps].id].append(account_id)
        for user_id, ids in plan.items():
            session.execute(update(Account).where(Account.id.in_(ids)).values(owner_id=user_id))
            session.execute(update(Opportunity).where(Opportunity.account_id.in_(ids))
                            .values(owner_id=user_id))
        session.commit()
        team = []
        for user in users:
            opps = session.scalars(select(Opportunity.id).where(
                Opportunity.owner_id == user.id, Opportunity.stage.not_in(("won", "lost")))).all()
            team.append((user.email, plan[user.id], list(opps)))
    engine.dispose()
    return team


class Rep(threading.Thread):
    def __init__(self, bench, email, accounts, opportunities, seed):
        super().__init__(daemon=True)
        self.bench, self.accounts, self.opportunities = bench, accounts, opportunities
        self.rng = random.Random(seed)
        self.client = OutboxClient(bench.server.url, email, DEMO_PASSWORD)
        self.confirmed: dict[str, str] = {}  # client id -> kind

    def run(self):
        while time.monotonic() < self.bench.ends:
            if self.rng.random() < 0.8 or not self.accounts:
                self.read()
            else:
                self.write()
            time.sleep(self.rng.uniform(0.5, 1.5))

    def _retrying(self, call):
        for _ in range(20):
            try:
                return call()
            except requests.RequestException:
                time.sleep(0.5)

    def timed(self, kind, call):
        started = time.monotonic()
        try:
            status = call()
        except requests.RequestException:
            status = None
        self.bench.record(Sample(started - self.bench.started, kind, status,
                                 (time.monotonic() - started) * 1000))
        return status

    def read(self):
        choice = self.rng.random()
        if choice < 0.3:
            path = "/"
        elif choice < 0.55:
            path = "/accounts/"
        elif choice < 0.8 or not self.opportunities:
            path = f"/accounts/{self.rng.choice(self.accounts)}"
        else:
            path = f"/opportunities/{self.rng.choice(self.opportunities)}"
        status = self.timed("read", lambda: self.client.page(path).status_code)
        if status in (302, 401):  # signed out by a restart? sign in again
            self._retrying(self.client.sign_in)

    def write(self):
        if self.client.token is None:
            state = self.timed("read", lambda: 200 if self.client.fetch_session() == "ok" else 500)
            if state != 200:
                self._retrying(self.client.sign_in)
                return
        account = self.rng.choice(self.accounts)
        choice = self.rng.random()
        key = str(uuid.uuid4())
        if choice < 0.4:
            kind, action = "meeting", "/meetings/new"
            fields = [("account_id", str(account)), ("notes", f"Load meeting {key[:8]}"),
                      ("kind", "in_person"), ("duration_minutes", "30")]
        elif choice < 0.8 or not self.opportunities:
            kind, action = "note", "/notes/new"
            fields = [("account_id", str(account)), ("body", f"Load note {key[:8]}")]
        else:
            opp = self.rng.choice(self.opportunities)
            version = self.bench.version_of(opp)
            kind, action = "opportunity", f"/opportunities/{opp}"
            fields = [("version", str(version)), ("next_step", f"Load step {key[:8]}")]
        # The outbox sends again until the server answers (a cut, a 5xx): same client id.
        for _ in range(5):
            answer = None

            def send():
                nonlocal answer
                answer = self.client.send(action, fields, key)
                if answer.status is None:
                    raise requests.ConnectionError("cut")
                return answer.status

            status = self.timed("write", send)
            if status in (303, 409):
                if status == 303:
                    self.confirmed[key] = kind
                return
            if status == 401:
                self._retrying(self.client.sign_in)
                self.client.token = None
                return
            if status == 400:  # a session that restarted: new token, as the outbox does
                self.client.token = None
                self._retrying(self.client.fetch_session)
            time.sleep(0.5)


class Bench:
    def __init__(self, server: AppServer, url: str, seconds: float):
        self.server, self.url, self.seconds = server, url, seconds
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.engine = create_engine(url, pool_pre_ping=True)
        self.started = self.ends = 0.0

    def record(self, sample: Sample):
        with self.lock:
            self.samples.append(sample)

    def version_of(self, opp_id: int) -> int:
        """The version the rep's phone shows (read from the database, not timed)."""
        for _ in range(5):
            try:
                with self.engine.connect() as conn:
                    return conn.scalar(select(Opportunity.version).where(Opportunity.id == opp_id))
            except Exception:  # noqa: BLE001 - the bench's own connection was cut too
                time.sleep(0.2)
        return 1

    def terminate_connections(self) -> int:
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            cut = conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        admin.dispose()
        return cut


def percentile(values, p):
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 \
        else values[0]


def after(samples, event_at, window=15.0):
    """Failed requests that ended within `window` s after the event (in flight at the event
    or sent after it), and the recovery time: from the event to the end of the last failed
    request in that window (0 when none failed)."""
    inside = [s for s in samples if event_at <= s.at + s.ms / 1000 < event_at + window]
    failed = [s for s in inside if s.failed]
    recovery = max((s.at + s.ms / 1000 - event_at for s in failed), default=0.0)
    return len(failed), recovery


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="gw-load-")) / "gunicorn.log"
    with throwaway_postgres(args.postgres, "gw_load") as url:
        team = prepare(url, args.reps)
        server = AppServer(url, secret_key="load-bench", log=log).start()
        bench = Bench(server, url, args.seconds)
        reps = [Rep(bench, email, accounts, opps, seed=n)
                for n, (email, accounts, opps) in enumerate(team)]
        # Everyone signs in before the clock starts (argon2 is slow on purpose).
        with ThreadPoolExecutor(4) as pool:
            signed_in = list(pool.map(lambda rep: rep._retrying(rep.client.sign_in), reps))
        print(f"{signed_in.count(303)} of {len(reps)} reps signed in", flush=True)
        bench.started = time.monotonic()
        bench.ends = bench.started + args.seconds
        for rep in reps:
            rep.start()
        events = {}
        time.sleep(args.seconds / 3)
        events["pg_terminate_backend"] = time.monotonic() - bench.started
        cut = bench.terminate_connections()
        time.sleep(args.seconds / 3)
        events["worker SIGKILL"] = time.monotonic() - bench.started
        killed = server.kill_worker()
        for rep in reps:
            rep.join(timeout=args.seconds + 60)
        server.stop()

        samples = sorted(bench.samples, key=lambda s: s.at)
        elapsed = time.monotonic() - bench.started
        failed = [s for s in samples if s.failed]
        print(f"{len(reps)} reps, {elapsed:.0f} s, PostgreSQL, gunicorn 2 workers x 4 threads, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"requests {len(samples)} ({len(samples) / elapsed:.1f}/s), errors {len(failed)} "
              f"(5xx {sum(1 for s in failed if s.status)}, cut {sum(1 for s in failed if not s.status)})")
        for kind in ("read", "write", None):
            ms = [s.ms for s in samples if kind is None or s.kind == kind]
            print(f"  {kind or 'all':5} n={len(ms):5}  p50 {percentile(ms, 50):6.0f} ms  "
                  f"p95 {percentile(ms, 95):6.0f} ms  p99 {percentile(ms, 99):6.0f} ms")
        for name, at in events.items():
            n, recovery = after(samples, at)
            extra = f"{cut} connections cut" if name.startswith("pg") else f"pid {killed}"
            print(f"  {name} at {at:.0f} s ({extra}): {n} failed requests, "
                  f"recovered in {recovery:.2f} s")
        statuses = defaultdict(int)
        for s in samples:
            statuses[s.status] += 1
        print(f"  answers {dict(sorted(statuses.items(), key=str))}")

        # Every confirmed write is there exactly once.
        problems = 0
        confirmed = {k: v for rep in reps for k, v in rep.confirmed.items()}
        with Session(bench.engine) as session:
            meetings = dict(session.execute(select(Meeting.uuid, func.count()).group_by(Meeting.uuid)).all())
            notes = dict(session.execute(select(Note.uuid, func.count()).group_by(Note.uuid)).all())
            changes = dict(session.execute(select(OpportunityChange.client_id, func.count())
                                           .group_by(OpportunityChange.client_id)).all())
        for key, kind in confirmed.items():
            stored = {"meeting": meetings, "note": notes, "opportunity": changes}[kind].get(key, 0)
            if stored != 1:
                problems += 1
        print(f"  confirmed writes {len(confirmed)}, not stored exactly once: {problems}")
        bench.engine.dispose()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
