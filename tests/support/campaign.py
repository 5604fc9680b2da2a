"""The fault campaign: phones driving a real app server the way the offline outbox does,
through seeded random sequences of duplicate and concurrent sends, conflicting edits, ended
sessions, out-of-order late replays and SIGKILLs of the server mid-write; then the database
is checked against everything the phones were told.

What must hold afterwards (`check`):
- every write the server confirmed (303) is stored exactly once, as sent, for its rep;
  nothing exists that no phone sent;
- every write the phones kept sending until answered got an answer: confirmed, or for an
  opportunity update made on an old version, a conflict (409) that changed nothing;
- nothing half saved: all fields of one opportunity update carry one version, every version
  belongs to exactly one write;
- no silent overwrite: an update made on an older version is applied (merged) only when
  nobody else changed one of its fields since that version (the rep's own earlier changes
  merge); otherwise it is a conflict. Each field's history chains old -> new without a gap,
  and the opportunity's version and values are what its history says.

`bench/fault_campaign.py` runs it big (1,000 sequences per backend, 40 kills);
`tests/integration/test_fault_campaign.py` runs a deterministic slice in `make test`."""
from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.support.appserver import AppServer, Answer, OutboxClient
from webapp.passwords import hash_password
from webapp.models import (Account, ClientWrite, Meeting, Note, Opportunity, OpportunityChange,
                           User)

PASSWORD = "campaign-password-1"
MAX_ATTEMPTS = 40


@dataclass
class Write:
    """One entry of a phone's outbox."""
    key: str
    kind: str  # meeting | note | opportunity
    action: str
    fields: list[tuple[str, str]]
    user_id: int
    account_id: int
    opportunity_id: int | None = None
    based_on: int | None = None
    values: dict[str, str] = field(default_factory=dict)  # opportunity fields as posted
    outcome: str = "queued"  # confirmed | conflict | attention | queued
    statuses: list = field(default_factory=list)
    location: str = ""


@dataclass
class Rep:
    user_id: int
    email: str
    account_id: int
    opportunity_ids: list[int]
    manager_email: str = ""
    manager_id: int = 0


@dataclass
class Report:
    sequences: int = 0
    writes: int = 0
    sends: int = 0
    kills: int = 0
    cut: int = 0  # sends that got no answer (server killed under them)
    conflicts: int = 0
    sign_ins_again: int = 0
    statuses: Counter = field(default_factory=Counter)
    ended_session_answers: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self, backend: str) -> str:
        return (f"{backend}: {self.sequences} sequences, {self.writes} writes, {self.sends} sends, "
                f"{self.kills} kills ({self.cut} sends cut), {self.conflicts} conflicts, "
                f"{self.sign_ins_again} sign-ins after an ended session, "
                f"answers {dict(sorted(self.statuses.items(), key=str))}, "
                f"{len(self.problems)} problems, {self.seconds:.1f} s")


def seed_team(database_url: str, reps: int = 8, opportunities: int = 3) -> list[Rep]:
    """Reps with a password, an account each and a few open opportunities."""
    engine = create_engine(database_url)
    hashed = hash_password(PASSWORD)
    team = []
    with Session(engine) as session:
        tag = uuid.uuid4().hex[:6]
        manager = User(email=f"field-manager-{tag}@example.com", name="Field Manager",
                       role="manager", password_hash=hashed)
        session.add(manager)
        session.flush()
        for n in range(reps):
            tag = uuid.uuid4().hex[:6]
            user = User(email=f"field{n}-{tag}@example.com", name=f"Field Rep {n}", role="rep",
                        password_hash=hashed, manager_id=manager.id)
            session.add(user)
            session.flush()
            account = Account(name=f"Campaign Account {n} {tag}", city="Chicago",
                              industry="Manufacturing", owner_id=user.id)
            session.add(account)
            session.flush()
            opps = []
            for k in range(opportunities):
                opp = Opportunity(account_id=account.id, owner_id=user.id,
                                  name=f"Campaign Deal {n}.{k}", amount=Decimal("50000"),
                                  close_on=date(2027, 1, 31))
                session.add(opp)
                session.flush()
                opps.append(opp.id)
            team.append(Rep(user.id, user.email, account.id, opps, manager.email, manager.id))
        session.commit()
    engine.dispose()
    return team


class Campaign:
    def __init__(self, server: AppServer, database_url: str, team: list[Rep], seed: int,
                 progress=None):
        self.progress = progress  # called with a line every 100 sequences
        self.server = server
        self.engine = create_engine(database_url)
        self.team = team
        self.seed = seed
        self.writes: list[Write] = []
        self.report = Report()
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._server_lock = threading.Lock()

    # --- the phone's side -------------------------------------------------------------------

    def phone(self, rep: Rep) -> OutboxClient:
        client = OutboxClient(self.server.url, rep.email, PASSWORD)
        self._until_answered(client.sign_in)
        return client

    def _until_answered(self, call):
        """Run a request, waiting out a server that is being restarted (bounded)."""
        for _ in range(MAX_ATTEMPTS):
            try:
                return call()
            except requests.RequestException:
                self.wait_for_server()
        raise RuntimeError("the server did not come back")

    def wait_for_server(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                requests.get(self.server.url + "/login", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise TimeoutError("server down for a minute")

    def new_write(self, rep: Rep, rng: random.Random, kind: str | None = None,
                  based_on: int | None = None, opportunity_id: int | None = None) -> Write:
        kind = kind or rng.choices(["meeting", "note", "opportunity"], [35, 25, 40])[0]
        n = next(self._serial)
        key = str(uuid.uuid4())
        if kind == "meeting":
            write = Write(key, kind, "/meetings/new",
                          [("account_id", str(rep.account_id)), ("notes", f"Campaign meeting {n}"),
                           ("kind", "in_person"), ("duration_minutes", "30")],
                          rep.user_id, rep.account_id)
        elif kind == "note":
            write = Write(key, kind, "/notes/new",
                          [("account_id", str(rep.account_id)), ("body", f"Campaign note {n}")],
                          rep.user_id, rep.account_id)
        else:
            opp_id = opportunity_id or rng.choice(rep.opportunity_ids)
            version = based_on if based_on is not None else self.version_now(opp_id)
            values = {"amount": f"{10000 + n}.00"}
            if rng.random() < 0.5:
                values["next_step"] = f"Campaign step {n}"
            write = Write(key, kind, f"/opportunities/{opp_id}",
                          [("version", str(version)), *values.items()], rep.user_id,
                          rep.account_id, opp_id, version, values)
        with self._lock:
            self.writes.append(write)
            self.report.writes += 1
        return write

    def version_now(self, opportunity_id: int) -> int:
        """The version the phone saw when it opened the opportunity."""
        with Session(self.engine) as session:
            return session.scalar(select(Opportunity.version)
                                  .where(Opportunity.id == opportunity_id))

    def send_once(self, client: OutboxClient, write: Write) -> Answer:
        if client.token is None:
            self.ensure_session(client)
        answer = client.send(write.action, write.fields, write.key)
        with self._lock:
            self.report.sends += 1
            self.report.statuses[answer.status] += 1
            if answer.status is None:
                self.report.cut += 1
            write.statuses.append(answer.status)
        if answer.status == 303:
            if write.location and answer.location != write.location:
                self.problem(f"{write.key}: answered {answer.location}, first {write.location}")
            write.location = write.location or answer.location
            write.outcome = "confirmed"
        elif answer.status == 409 and write.kind == "opportunity" and write.outcome != "confirmed":
            write.outcome = "conflict"
        return answer

    def ensure_session(self, client: OutboxClient) -> None:
        """outbox.js: fetch the session's token; signed out -> the rep signs in again."""
        for _ in range(MAX_ATTEMPTS):
            try:
                state = client.fetch_session()
                if state == "ok":
                    return
                if state == "signin":
                    client.sign_in()
                    with self._lock:
                        self.report.sign_ins_again += 1
                    continue
            except requests.RequestException:
                pass
            self.wait_for_server()
        raise RuntimeError("no session after many tries")

    def deliver(self, client: OutboxClient, write: Write) -> Write:
        """Send until the server answers for good, as the outbox retries (without its backoff:
        a restarted server is waited for instead)."""
        for _ in range(MAX_ATTEMPTS):
            answer = self.send_once(client, write)
            if answer.status in (303, 409):
                if answer.status == 409:
                    with self._lock:
                        self.report.conflicts += 1
                return write
            if answer.status == 401:
                client.token = None  # sign in, then continue
                continue
            if answer.status is None or answer.status >= 500 or answer.status in (408, 429):
                self.wait_for_server()
                client.token = None
                continue
            write.outcome = "attention"
            self.problem(f"{write.kind} {write.key}: answered {answer.status}")
            return write
        self.problem(f"{write.kind} {write.key}: no answer after {MAX_ATTEMPTS} sends")
        return write

    def problem(self, text: str) -> None:
        with self._lock:
            self.report.problems.append(text)

    # --- sequences --------------------------------------------------------------------------

    def sequence(self, index: int) -> None:
        """One rep's few minutes: a random mix of the faults, seeded by (seed, index)."""
        rng = random.Random(f"{self.seed}-{index}")
        rep = self.team[rng.randrange(len(self.team))]
        phone = self.phone(rep)
        sent: list[Write] = []
        for _ in range(rng.randint(3, 7)):
            step = rng.choices(["write", "duplicate", "concurrent", "conflict", "ended"],
                               [40, 15, 15, 15, 15])[0]
            if step == "write" or (step == "duplicate" and not sent):
                sent.append(self.deliver(phone, self.new_write(rep, rng)))
            elif step == "duplicate":
                self.deliver(phone, rng.choice(sent))
            elif step == "concurrent":
                sent.append(self.concurrent(phone, self.new_write(rep, rng), rng.randint(2, 4)))
            elif step == "conflict":
                sent.extend(self.conflict(phone, rep, rng))
            else:
                sent.append(self.ended_session(phone, rep, rng))
        # Late replays, out of order: the phone never got the answers and sends them all again.
        late = list(sent)
        rng.shuffle(late)
        for write in late:
            before = write.outcome
            self.deliver(phone, write)
            if before == "confirmed" and write.outcome != "confirmed":
                self.problem(f"{write.key}: confirmed, then answered {write.statuses[-1]}")
        with self._lock:
            self.report.sequences += 1
            done = self.report.sequences
        if self.progress and done % 100 == 0:
            self.progress(f"  {done} sequences, {self.report.kills} kills, "
                          f"{len(self.report.problems)} problems")

    def concurrent(self, phone: OutboxClient, write: Write, n: int) -> Write:
        """The same entry sent by n tabs (or a tab and the service worker) at once."""
        self.ensure_session(phone)
        tabs = []
        for _ in range(n):
            tab = OutboxClient(phone.base_url, phone.email, phone.password)
            tab.http.cookies.update(phone.http.cookies)
            tab.token = phone.token
            tabs.append(tab)
        barrier = threading.Barrier(n)

        def go(tab):
            barrier.wait(timeout=30)
            return self.send_once(tab, write)

        with ThreadPoolExecutor(n) as pool:
            answers = list(pool.map(go, tabs))
        if any(a.status != 303 for a in answers):
            self.deliver(phone, write)  # a cut or a retry-later: the outbox sends again
        return write

    def conflict(self, phone: OutboxClient, rep: Rep, rng: random.Random) -> list[Write]:
        """The same deal edited from the same version by the rep and by their manager (both
        change the amount): one wins, the other conflicts."""
        manager = Rep(rep.manager_id, rep.manager_email, rep.account_id, rep.opportunity_ids)
        other = self.phone(manager)
        opp_id = rng.choice(rep.opportunity_ids)
        version = self.version_now(opp_id)
        mine = self.new_write(rep, rng, "opportunity", version, opp_id)
        theirs = self.new_write(manager, rng, "opportunity", version, opp_id)
        if rng.random() < 0.5:
            self.ensure_session(phone)
            self.ensure_session(other)
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda pair: self.deliver(*pair), [(phone, mine), (other, theirs)]))
        else:
            self.deliver(other, theirs)
            self.deliver(phone, mine)
        return [mine]  # the manager's write stays on the manager's phone: never replayed here

    def ended_session(self, phone: OutboxClient, rep: Rep, rng: random.Random) -> Write:
        """The rep signed out everywhere from a laptop while this phone held queued writes."""
        self.ensure_session(phone)
        laptop = self.phone(rep)
        # Another sequence of the same rep may end the laptop's session first: sign in again.
        for _ in range(5):
            if self._until_answered(laptop.sign_out_everywhere) == 303:
                break
            self._until_answered(laptop.sign_in)
        else:
            self.problem(f"rep {rep.email}: could not sign out everywhere")
        write = self.new_write(rep, rng)
        answer = self.send_once(phone, write)
        for _ in range(MAX_ATTEMPTS):
            # A connection cut by a kill elsewhere in the campaign is no answer yet: the phone
            # sends the same write again once the server is back (as the outbox does).
            if answer.status is not None and answer.status < 500:
                break
            self.wait_for_server()
            answer = self.send_once(phone, write)
        with self._lock:
            self.report.ended_session_answers[answer.status] += 1
        if answer.status == 303:
            self.problem(f"{write.key}: stored from a session that had ended")
        phone.token = None
        return self.deliver(phone, write)

    # --- kills ------------------------------------------------------------------------------

    def kill_mid_write(self, rng: random.Random, burst: int = 6) -> None:
        """A burst of writes from several phones; SIGKILL the server as the first is answered
        (the rest are in flight), restart it, and let the phones send again."""
        reps = [self.team[rng.randrange(len(self.team))] for _ in range(burst)]
        phones = [self.phone(rep) for rep in reps]
        for phone in phones:
            self.ensure_session(phone)
        writes = [self.new_write(rep, rng) for rep in reps]
        first_answer = threading.Event()

        def go(pair):
            phone, write = pair
            answer = self.send_once(phone, write)
            first_answer.set()
            return answer

        with ThreadPoolExecutor(burst) as pool:
            futures = [pool.submit(go, pair) for pair in zip(phones, writes)]
            first_answer.wait(timeout=30)
            self.kill_and_restart()
            for future in futures:
                future.result()
        for phone, write in zip(phones, writes):
            phone.token = None
            self.deliver(phone, write)

    def kill_and_restart(self) -> None:
        with self._server_lock:
            self.server.kill()
            with self._lock:
                self.report.kills += 1
            self.server.start()

    # --- running ----------------------------------------------------------------------------

    def run(self, sequences: int, kills: int, parallel: int = 4) -> Report:
        started = time.monotonic()
        rng = random.Random(f"{self.seed}-kills")
        every = max(1, sequences // (kills + 1)) if kills else sequences + 1
        with ThreadPoolExecutor(parallel) as pool:
            futures = []
            for index in range(sequences):
                futures.append(pool.submit(self._guarded, self.sequence, index))
                if kills and (index + 1) % every == 0 and self.report.kills < kills:
                    for future in futures:
                        future.result()
                    futures = []
                    # Others are still writing while the burst is cut.
                    side = [pool.submit(self._guarded, self.sequence, sequences + k)
                            for k in range(parallel - 1)]
                    self.kill_mid_write(rng)
                    for future in side:
                        future.result()
            for future in futures:
                future.result()
        self.report.seconds = time.monotonic() - started
        self.check()
        return self.report

    def _guarded(self, fn, *args):
        try:
            fn(*args)
        except Exception as error:  # noqa: BLE001 - a campaign reports, it does not stop
            self.problem(f"{fn.__name__}{args}: {type(error).__name__}: {error}")

    # --- the database afterwards ------------------------------------------------------------

    def check(self) -> list[str]:
        problem = self.problem
        ours = {rep.user_id for rep in self.team} | {rep.manager_id for rep in self.team}
        by_key = {w.key: w for w in self.writes}
        with Session(self.engine) as session:
            for model, kind in ((Meeting, "meeting"), (Note, "note")):
                rows = session.scalars(select(model).where(model.user_id.in_(ours))).all()
                stored = Counter(r.uuid for r in rows)
                for row in rows:
                    write = by_key.get(row.uuid)
                    if write is None or write.kind != kind:
                        problem(f"{kind} {row.id} ({row.uuid}) was never sent")
                        continue
                    sent = dict(write.fields)
                    text = row.notes if kind == "meeting" else row.body
                    wanted = sent["notes"] if kind == "meeting" else sent["body"]
                    if (text, row.user_id, row.account_id) != (wanted, write.user_id,
                                                               write.account_id):
                        problem(f"{kind} {write.key} stored differently from what was sent")
                for write in (w for w in self.writes if w.kind == kind):
                    if stored[write.key] != (1 if write.outcome == "confirmed" else 0):
                        problem(f"{kind} {write.key}: {write.outcome} {write.statuses}, "
                                f"stored {stored[write.key]} times")
            ledger = {c.key: c for c in session.scalars(
                select(ClientWrite).where(ClientWrite.user_id.in_(ours)))}
            for write in self.writes:
                if write.outcome == "queued":
                    problem(f"{write.key}: never answered ({write.statuses})")
                if write.outcome == "confirmed" and write.key not in ledger:
                    problem(f"{write.key}: confirmed but not in the replay ledger {write.kind} u{write.user_id} {write.statuses} {write.location}")
            opp_ids = sorted({oid for rep in self.team for oid in rep.opportunity_ids})
            for opp_id in opp_ids:
                self._check_opportunity(session, opp_id, by_key)

        return self.report.problems

    def _check_opportunity(self, session: Session, opp_id: int, by_key: dict) -> None:
        problem = self.problem
        opp = session.get(Opportunity, opp_id)
        changes = session.scalars(select(OpportunityChange)
                                  .where(OpportunityChange.opportunity_id == opp_id)
                                  .order_by(OpportunityChange.version,
                                            OpportunityChange.id)).all()
        versions: dict[int, set[str]] = defaultdict(set)
        for change in changes:
            versions[change.version].add(change.client_id)
        if sorted(versions) != list(range(2, opp.version + 1)):
            problem(f"opportunity {opp_id}: version {opp.version}, history has {sorted(versions)}")
        for version, keys in versions.items():
            if len(keys) != 1:
                problem(f"opportunity {opp_id} v{version}: written by {len(keys)} writes")
        applied: dict[str, list[OpportunityChange]] = defaultdict(list)
        for change in changes:
            applied[change.client_id].append(change)
        for key, rows in applied.items():
            write = by_key.get(key)
            if write is None:
                problem(f"opportunity {opp_id}: change by unknown write {key}")
                continue
            if write.outcome != "confirmed":
                problem(f"opportunity {opp_id}: {write.outcome} write {key} was applied")
            applied_at = {r.version for r in rows}
            if len(applied_at) != 1:
                problem(f"opportunity {opp_id}: {key} applied over versions {sorted(applied_at)}")
            overwritten = {c.field for c in changes
                           if write.based_on < c.version < min(applied_at)
                           and c.user_id != write.user_id} & set(write.values)
            if overwritten:
                problem(f"opportunity {opp_id}: {key} made on v{write.based_on} applied as "
                        f"v{sorted(applied_at)} over another's {sorted(overwritten)} "
                        f"(silent overwrite) {[(c.version, c.field, c.user_id) for c in changes if write.based_on < c.version <= max(applied_at)]} {write.statuses} u{write.user_id}")
            if {r.field: r.new_value for r in rows} != write.values:
                problem(f"opportunity {opp_id}: {key} half saved or altered")
        for write in by_key.values():
            if (write.kind == "opportunity" and write.opportunity_id == opp_id
                    and write.outcome == "confirmed" and write.key not in applied):
                problem(f"opportunity {opp_id}: confirmed update {write.key} is not in history")
        last: dict[str, str | None] = {}
        for change in changes:
            if change.field in last and change.old_value != last[change.field]:
                problem(f"opportunity {opp_id} {change.field}: history jumps at v{change.version}")
            last[change.field] = change.new_value
        if "amount" in last and f"{opp.amount:.2f}" != last["amount"]:
            problem(f"opportunity {opp_id}: amount {opp.amount} but history says {last['amount']}")
        if "next_step" in last and opp.next_step != last["next_step"]:
            problem(f"opportunity {opp_id}: next step differs from its history")

    def close(self) -> None:
        self.engine.dispose()
