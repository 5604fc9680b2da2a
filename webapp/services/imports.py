"""Importing CRM exports: keep the upload, check every row, then write all or nothing, in
the background with its progress on the page.

The one service that commits, on purpose (every other leaves that to the request or the CLI
command, see webapp/services/__init__.py): a job's changes from a page (upload, mapping,
start, carry on, discard) are committed at once, because a runner thread on another
connection reads the job next; the runner's own work is a series of short transactions
(progress beats, 500-row batches) so a big import never holds SQLite's write lock for long.

How a big file goes in (50,000 rows in a few seconds, see bench/import_50k.py):
- the upload is kept in the database (table import_jobs), so any app server can carry on with
  it. A runner (a thread of the app server, or `groundwork imports work`: IMPORT_RUNNER) does
  the work and writes its progress to the job's row every batch; the page polls it;
- the check reads every row (cell values, duplicate ids in the file, existing records,
  accounts, owners) and writes nothing but the progress; the import button appears only when
  no row has an error;
- the import reads the file once more, batch by batch (BATCH_SIZE rows): each batch is checked
  again just before it is written (the data may have changed since the check) and written in
  its own short transaction, with one executemany INSERT and one executemany UPDATE, plus an
  undo log (import_undo) of what it wrote. Between batches other requests get the database:
  on SQLite the single write lock is held for one batch (tens of milliseconds), not the whole
  file; PostgreSQL locks only the rows written anyway;
- all or nothing: if a later batch finds an error (or the runner is cut off), the undo log
  puts back every record written so far, newest first, and the job says nothing was imported.
  While a big import runs, other users may see its first rows appear; that is the price of
  not holding the database for seconds.

Re-importing is idempotent: a row whose external id exists updates that record (only the
columns the file has; a blank cell keeps the current value), rows that change nothing are
counted as unchanged, and opportunities' changes go to their history like any other edit.
"""
from __future__ import annotations

import io
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import case, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session, undefer

from webapp.clock import utcnow
from webapp.database import reading
from webapp.domain import csv_mapping as m
from webapp.domain.opportunities import stage_timestamps, to_text
from webapp.models import (
    Account,
    Contact,
    ImportJob,
    ImportUndo,
    Opportunity,
    OpportunityChange,
    User,
    new_uuid,
)
from webapp.models.imports import RUNNING_STATUSES
from webapp.queries.access import account_visibility, visible_user_ids
from webapp.services import audit

BATCH_SIZE = 2000  # rows the check looks up at once
WRITE_BATCH_SIZE = 500  # rows the import writes per transaction (tens of milliseconds)
# On SQLite, a pause between two written batches lets other requests' writes, waiting for the
# single write lock, take it (without it the import can win the lock again and again).
SQLITE_PAUSE_SECONDS = 0.02
SAMPLE_SIZE = 10  # rows shown in the preview
MAX_LISTED_ERRORS = 200  # errors kept for the preview (all are counted)
UNIMPORTED_MAX_AGE = timedelta(hours=24)  # an upload nobody imported is forgotten after this
FINISHED_MAX_AGE = timedelta(days=30)  # an import's record on the import page
STALE_AFTER = timedelta(seconds=60)  # a runner silent this long has been cut off

MODELS = {"accounts": Account, "contacts": Contact, "opportunities": Opportunity}
TABLES = {model.__tablename__: model for model in (*MODELS.values(), OpportunityChange)}
# Values a new record gets for the columns the file does not have.
NEW_DEFAULTS: dict[str, dict[str, Any]] = {
    "accounts": {"external_id": None, "industry": "", "segment": "Mid-Market",
                 "status": "prospect", "street": "", "city": "", "region": "",
                 "postal_code": "", "country": "US", "phone": "", "website": "",
                 "potential": 50, "customer_goal": ""},
    "contacts": {"external_id": None, "title": "", "email": "", "phone": "", "attention": "",
                 "previous_companies": ""},
    "opportunities": {"external_id": None, "stage": "first_meeting", "amount": Decimal("0"),
                      "currency": "USD", "next_step": "", "forecast_category": "pipeline",
                      "version": 1},
}
# Opportunity fields whose changes are written to the opportunity's history.
HISTORY_FIELDS = ("stage", "amount", "close_on", "next_step", "qualified")
CUT_OFF = ("The import was cut off (the server stopped) after {done} rows. Nothing was "
           "imported: what it had written was put back. Import again.")


class UploadRefused(ValueError):
    """The uploaded file cannot be imported at all; the message says why."""


class JobBusy(ValueError):
    """The job is importing (or putting back): it cannot be changed until it has finished."""


# --- the upload and the user's choices --------------------------------------------------------

def save_upload(session: Session, user: User, stream: BinaryIO, filename: str,
                kind: str | None = None) -> tuple[int, str]:
    """Keep an uploaded CSV with its encoding, delimiter and columns, its kind guessed (when
    `kind` is None) and its columns mapped, ready to be checked: returns its id and token.
    Raises UploadRefused."""
    data = stream.read()
    encoding = m.detect_encoding(io.BytesIO(data))
    try:
        headers, delimiter = m.read_header(data, encoding)
    except m.FileProblem as error:
        raise UploadRefused(str(error)) from None
    kind = kind if kind in m.KINDS else m.guess_kind(headers)
    # A manager's new accounts go to their first rep until they choose (what the form shows).
    owners = [] if user.is_admin or kind != "accounts" else assignable_owners(session, user)
    _forget_old_jobs(session)
    newlines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    filename = (filename or "").replace("\x00", "")  # PostgreSQL refuses NUL in text
    job = ImportJob(token=secrets.token_urlsafe(24), user_id=user.id, kind=kind,
                    filename=Path(filename).name[:120], encoding=encoding,
                    delimiter=delimiter, headers=headers,
                    mapping=[f or "" for f in m.guess_mapping(kind, headers)],
                    day_first=False, default_owner_id=owners[0].id if owners else None,
                    content=data, size=len(data), lines=max(newlines - 1, 0),
                    status="checking", generation=1, rows_done=0)
    session.add(job)
    session.flush()
    saved = job.id, job.token
    session.commit()
    return saved


def choose(session: Session, job: ImportJob, *, mapping: list[str], day_first: bool,
           default_owner_id: int | None) -> ImportJob:
    """Keep the user's column mapping and options, and check the file again with them."""
    _not_busy(job)
    job.mapping = [f if f in m.FIELDS[job.kind] else "" for f in mapping]
    job.day_first = day_first
    job.default_owner_id = default_owner_id
    _restart(job, "checking")
    session.commit()
    return job


def start_import(session: Session, job: ImportJob) -> ImportJob:
    """Start importing a file whose last check found no error; else check it again."""
    _not_busy(job)
    ready = job.status == "checked" and Review.from_dict(job.result).ok
    _restart(job, "importing" if ready else "checking")
    session.commit()
    return job


def resume(session: Session, job: ImportJob) -> ImportJob:
    """Hand a job whose runner was cut off to a new runner (a check starts again; an import
    is put back first)."""
    if job.running and is_stale(job):
        if job.status == "importing":
            job.status = "undoing"
            job.result = _cut_off_review(job).to_dict()
        job.runner = None
        session.commit()
    return job


def discard(session: Session, job: ImportJob) -> None:
    """Forget an upload (not while it is being imported or put back)."""
    _not_busy(job)
    session.delete(job)
    session.commit()


def is_stale(job: ImportJob) -> bool:
    """Is the job's runner silent for so long that it has been cut off?"""
    beat = job.heartbeat_at or job.created_at
    return job.running and beat < utcnow() - STALE_AFTER


def _not_busy(job: ImportJob) -> None:
    if job.status in ("importing", "undoing"):
        raise JobBusy("This file is being imported: wait until it has finished.")
    if job.status == "imported":
        raise JobBusy("This file has been imported. To change something, upload it again.")


def _restart(job: ImportJob, status: str) -> None:
    job.status, job.generation, job.runner = status, job.generation + 1, None
    job.rows_done, job.heartbeat_at, job.finished_at = 0, utcnow(), None
    if status == "importing":
        job.result = None


def _forget_old_jobs(session: Session) -> None:
    now = utcnow()
    old = select(ImportJob.id).where(or_(
        (ImportJob.created_at < now - UNIMPORTED_MAX_AGE)
        & ImportJob.status.in_(("checking", "checked", "failed")) & ImportJob.runner.is_(None),
        (ImportJob.created_at < now - FINISHED_MAX_AGE) & (ImportJob.status == "imported")))
    ids = list(session.scalars(old))
    if ids:
        session.execute(delete(ImportUndo).where(ImportUndo.job_id.in_(ids)))
        session.execute(delete(ImportJob).where(ImportJob.id.in_(ids)))


# --- owners -----------------------------------------------------------------------------------

def assignable_owners(session: Session, user: User) -> list[User]:
    """The reps an import by `user` may make owners: a manager's own reps, for an admin every
    active rep. A rep assigns nobody (reps cannot import)."""
    if user.is_rep:
        return []
    stmt = select(User).where(User.role == "rep", User.active.is_(True))
    if not user.is_admin:
        stmt = stmt.where(User.id.in_(visible_user_ids(user)))
    return list(session.scalars(stmt.order_by(User.name)))


# --- checking and writing ---------------------------------------------------------------------

@dataclass
class RowError:
    line: int
    message: str


@dataclass
class Review:
    """What an import will do (or did): counts, the first rows as they will be saved, and
    every row's errors with its line number (the header is line 1)."""

    kind: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the mapping or the file as a whole
    sample: list[dict[str, str]] = field(default_factory=list)
    owner_fallbacks: int = 0
    without_id: int = 0
    # Rows whose ID is new but whose account (by name) or contact (by e-mail) was made in the
    # app, without an ID: they update that record and give it the ID, never a second one.
    linked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_count and self.rows > 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> Review:
        if not data:
            return cls("accounts", problems=["Not checked yet."])
        errors = [RowError(**e) for e in data.get("errors", [])]
        return cls(**{**data, "errors": errors})

    def add_error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(line, message))


@dataclass
class _Planned:
    row: m.Row
    action: str  # new | update | unchanged | error
    values: dict[str, Any]  # a new record's columns, or an update's changed columns
    record_id: int | None = None
    history: list[tuple[str, Any, Any]] = field(default_factory=list)
    previous_owner_id: int | None = None  # an update that hands the record to another owner
    previous: dict[str, Any] = field(default_factory=dict)  # an update's columns, before
    linked: bool = False  # an update of a record made in the app, matched by name or e-mail



# --- the runner -------------------------------------------------------------------------------

class _Superseded(Exception):
    """Another runner, or a newer check or import of the same file, took over."""


def pending_jobs(session: Session) -> list[int]:
    """Jobs waiting for a runner: none yet, or one cut off."""
    stmt = select(ImportJob.id).where(
        ImportJob.status.in_(RUNNING_STATUSES),
        or_(ImportJob.runner.is_(None), ImportJob.heartbeat_at < utcnow() - STALE_AFTER))
    return list(session.scalars(stmt.order_by(ImportJob.id)))


def run(session: Session, job_id: int, runner: str | None = None,
        batch_size: int | None = None) -> str | None:
    """Do what job `job_id` waits for (check, import, or put back a failed import) as
    `runner`, writing progress as it goes (`batch_size` rows at a time: the defaults unless
    given, as the app's IMPORT_BATCH_SIZE). Returns the job's status at the end, or None when
    the job was not this runner's to do (already taken, finished, or gone)."""
    runner = runner or secrets.token_hex(8)
    if isinstance(session, scoped_session):
        session = session()
    # The runner's objects (the job, the user) stay as loaded: the job's row is only changed
    # through _beat(), which checks that it is still this runner's.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        job = _claim(session, job_id, runner)
        if job is None:
            return None
        work = {"checking": _check, "importing": _import, "undoing": _undo}[job.status]
        work(session, job, runner, batch_size)
        return job.status
    except _Superseded:
        session.rollback()
        return None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = expire


def _claim(session: Session, job_id: int, runner: str) -> ImportJob | None:
    now = utcnow()
    claimed = session.execute(
        update(ImportJob).where(
            ImportJob.id == job_id, ImportJob.status.in_(RUNNING_STATUSES),
            or_(ImportJob.runner.is_(None), ImportJob.heartbeat_at < now - STALE_AFTER))
        .values(runner=runner, heartbeat_at=now)).rowcount
    session.commit()
    if claimed != 1:
        return None
    job = session.scalars(select(ImportJob).where(ImportJob.id == job_id)
                          .options(undefer(ImportJob.content))).one()
    if job.status == "importing" and _has_undo(session, job):
        # Cut off while importing: put back what the earlier runner wrote.
        job.status, job.result = "undoing", _cut_off_review(job).to_dict()
        session.commit()
    return job


def _beat(session: Session, job: ImportJob, me: str, **values) -> None:
    """Record progress (or the end) in the current transaction; stop if no longer ours."""
    done = session.execute(
        update(ImportJob).where(ImportJob.id == job.id, ImportJob.runner == me,
                                ImportJob.generation == job.generation)
        .values(heartbeat_at=utcnow(), **values)).rowcount
    if done != 1:
        raise _Superseded()


def _check(session: Session, job: ImportJob, runner: str, batch_size: int | None) -> None:
    """Check every row; writes nothing but the progress and, at the end, the review."""
    user, review = session.get(User, job.user_id), Review(job.kind)
    review.problems = m.mapping_problems(job.kind, job.mapping)
    session.commit()
    if not review.problems:
        try:
            with reading():
                context = _Context(session, user, job, build=False)
            session.commit()  # a read transaction must end before anything is written
            for batch in _batches(_rows(job), batch_size or BATCH_SIZE):
                with reading():
                    planned = context.plan(batch)
                session.commit()  # ends the read: the progress below is a short write
                for item in planned:
                    _count(review, item, context)
                _beat(session, job, runner, rows_done=review.rows)
                session.commit()
        except m.FileProblem as error:
            session.rollback()
            review.problems.append(str(error))
    if review.rows == 0 and not review.problems:
        review.problems.append("The file has a header but no rows.")
    _beat(session, job, runner, status="checked", runner=None, rows_done=review.rows,
          result=review.to_dict(), finished_at=utcnow())
    session.commit()


def _import(session: Session, job: ImportJob, runner: str, batch_size: int | None) -> None:
    """Write every row, a batch per transaction, each checked just before it is written, with
    an undo log. Any error stops the writing (the rest is still checked, so the list is
    complete) and puts back what was written: all or nothing."""
    user, done = session.get(User, job.user_id), Review(job.kind)
    done.problems = m.mapping_problems(job.kind, job.mapping)
    context = _Context(session, user, job, build=True)
    session.commit()
    pause = SQLITE_PAUSE_SECONDS if session.get_bind().dialect.name == "sqlite" else 0
    try:
        for batch in _batches(_rows(job), batch_size or WRITE_BATCH_SIZE) if not done.problems else ():
            writing = not done.error_count
            with reading(enabled=not writing):
                planned = context.plan(batch)
            for item in planned:
                _count(done, item, context)
            if writing and not done.error_count:
                _write(session, user, job, planned)
            else:
                session.rollback()  # this batch had an error: write none of it
            _beat(session, job, runner, rows_done=done.rows)
            session.commit()
            if writing and pause:
                time.sleep(pause)
    except m.FileProblem as error:
        session.rollback()
        done.problems.append(str(error))
    except IntegrityError:
        session.rollback()
        done.problems.append("Someone else saved some of these records while the import ran. "
                             "Nothing was imported: check the file again.")
    if done.rows == 0 and not done.problems:
        done.problems.append("The file has a header but no rows.")
    if not done.ok:
        _beat(session, job, runner, status="undoing", result=done.to_dict())
        session.commit()
        job.status, job.result = "undoing", done.to_dict()
        _undo(session, job, runner)
        return
    session.execute(delete(ImportUndo).where(ImportUndo.job_id == job.id))
    audit.record(session, user, f"import.{job.kind}", "import", job.token,
                 file=job.filename, rows=done.rows, new=done.new, updated=done.updated,
                 unchanged=done.unchanged, encoding=job.encoding)
    _beat(session, job, runner, status="imported", runner=None, result=done.to_dict(),
          content=None, finished_at=utcnow())
    session.commit()
    job.status = "imported"
    _refresh_statistics(session, job.kind)


def _refresh_statistics(session: Session, kind: str) -> None:
    """After a big import, PostgreSQL's planner still believes the table is as small as it
    was (autovacuum analyses it later): the next import's lookups by external id would scan
    the whole table, about 2 s per batch at 50,000 rows. ANALYZE samples it now (it does not
    block reads or writes)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {MODELS[kind].__tablename__}"))
        session.commit()


def _undo(session: Session, job: ImportJob, runner: str, _batch_size: int | None = None) -> None:
    """Put back what an import wrote, newest first, a batch per transaction; then the job has
    failed and says why (its review is kept)."""
    kept = put_back = 0
    while True:
        entries = list(session.scalars(
            select(ImportUndo).where(ImportUndo.job_id == job.id)
            .order_by(ImportUndo.id.desc()).limit(BATCH_SIZE)))
        if not entries:
            break
        try:  # the whole batch at once: a DELETE and an executemany UPDATE per table
            with session.begin_nested():
                _put_back(session, entries)
            put_back += len(entries)
        except IntegrityError:  # someone already logged work on a new record: keep those
            for entry in entries:
                try:
                    with session.begin_nested():
                        _put_back(session, [entry])
                    put_back += 1
                except IntegrityError:
                    kept += 1
        session.execute(delete(ImportUndo).where(ImportUndo.id.in_([e.id for e in entries])))
        _beat(session, job, runner)
        session.commit()
    review = Review.from_dict(job.result)
    if kept:
        review.problems.append(f"{kept} new record{'s were' if kept != 1 else ' was'} kept: "
                               "someone added work to them while the import ran.")
    if put_back:
        audit.record(session, job.user_id, f"import.{job.kind}.undone", "import", job.token,
                     file=job.filename, records=put_back, kept=kept)
    _beat(session, job, runner, status="failed", runner=None, result=review.to_dict(),
          finished_at=utcnow())
    session.commit()
    job.status = "failed"


def _put_back(session: Session, entries: list[ImportUndo]) -> None:
    """Delete the records these entries inserted and restore those they updated."""
    for table_name in {e.table_name for e in entries}:
        model = TABLES[table_name]
        mine = [e for e in entries if e.table_name == table_name]
        inserted = [e.record_id for e in mine if e.previous is None]
        if inserted:
            session.execute(delete(model).where(model.id.in_(inserted)))
        updated = [{"id": e.record_id, **_from_json(model, e.previous)}
                   for e in mine if e.previous is not None]
        if updated:
            session.execute(update(model), sorted(updated, key=lambda row: tuple(sorted(row))))


def _has_undo(session: Session, job: ImportJob) -> bool:
    return session.scalar(select(ImportUndo.id).where(ImportUndo.job_id == job.id).limit(1)) \
        is not None


def _cut_off_review(job: ImportJob) -> Review:
    review = Review(job.kind)
    review.problems.append(CUT_OFF.format(done=job.rows_done))
    return review


def _rows(job: ImportJob) -> Iterator[m.Row]:
    return m.read_rows(job.content or b"", job.encoding, job.delimiter, job.kind, job.mapping,
                       day_first=job.day_first)


def _batches(rows: Iterable[m.Row], size: int = BATCH_SIZE) -> Iterator[list[m.Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _count(review: Review, planned: _Planned, context: _Context) -> None:
    review.rows += 1
    for message in planned.row.errors:
        review.add_error(planned.row.line, message)
    counter = {"new": "new", "update": "updated", "unchanged": "unchanged"}.get(planned.action)
    if counter:
        setattr(review, counter, getattr(review, counter) + 1)
    if planned.row.values.get("_owner_fallback"):
        review.owner_fallbacks += 1
    if "external_id" not in planned.row.values:
        review.without_id += 1
    if planned.linked and planned.action != "error":
        review.linked += 1
    if len(review.sample) < SAMPLE_SIZE:
        review.sample.append(context.describe(planned))


class _Context:
    """What checking one import needs across batches: who imports, the owners they may assign,
    and the external ids seen so far in the file (line of first sight)."""

    def __init__(self, session: Session, user: User, job: ImportJob, *, build: bool):
        self.session, self.user, self.kind = session, user, job.kind
        self.build = build  # False while only checking: new rows' records are not built
        self.model = MODELS[job.kind]
        self.now = utcnow()
        owners = assignable_owners(session, user)
        self.owner_names = {o.id: o.name for o in owners}
        self.owners_by_key = {}
        for owner in owners:
            self.owners_by_key.setdefault(owner.name.strip().lower(), owner.id)
        for owner in owners:
            self.owners_by_key[owner.email.lower()] = owner.id
        default = job.default_owner_id
        self.default_owner_id = default if default in self.owner_names else None
        self.seen: dict[str, int] = {}
        self.account_names: dict[int, str] = {}
        self.linked_ids: set[int] = set()  # records made in the app a row of the file took

    # one batch -> one plan per row, with at most three queries
    def plan(self, rows: list[m.Row]) -> list[_Planned]:
        existing = self._existing([r.values["external_id"] for r in rows
                                   if "external_id" in r.values])
        links = self._accounts(rows) if self.kind != "accounts" else {}
        made_here = self._made_in_app(rows, existing)
        return [self._plan_row(row, existing, links, made_here) for row in rows]

    def _plan_row(self, row: m.Row, existing: dict, links: dict,
                  made_here: dict | None = None) -> _Planned:
        values = dict(row.values)
        ext = values.get("external_id")
        if ext is not None:
            first = self.seen.setdefault(ext, row.line)
            if first != row.line:
                row.errors.append(f"ID “{ext}” appears on lines {first} and {row.line}: "
                                  "each record may be in the file once")
        current = existing.get(ext) if ext is not None else None
        if current is not None and not current["visible"]:
            row.errors.append(f"ID “{ext}” belongs to a record you cannot change")
        account = None
        if self.kind != "accounts":
            account = self._account(row, values, links, required=current is None)
        linked = False
        if current is None and ext is not None and made_here:
            current = self._link(row, values, made_here, account)
            linked = current is not None
        owner_id = self._owner(row, values, is_new=current is None)
        if row.errors:
            return _Planned(row, "error", {}, linked=linked)
        columns = {k: v for k, v in values.items()
                   if k not in ("owner", "account_name", "account_external_id")
                   and not k.startswith("_")}
        if account is not None:
            columns["account_id"] = account["id"]
        if current is None and not self.build:
            owner = owner_id or (self.default_owner_id if account is None else account["owner_id"])
            return _Planned(row, "new", {"owner_id": owner,
                                         "account_id": account["id"] if account else None})
        if current is None:
            return _Planned(row, "new", self._new_record(columns, owner_id, account))
        planned = self._update(row, current, columns, owner_id)
        planned.linked = linked
        return planned

    def _made_in_app(self, rows: list[m.Row], existing: dict) -> dict[str, list[dict]]:
        """Records without an ID that rows with a new ID may mean: accounts by lower-case
        name, contacts by lower-case e-mail (only those the importer may see). One query."""
        new_rows = [r for r in rows if r.values.get("external_id") is not None
                    and r.values["external_id"] not in existing]
        if self.kind == "accounts":
            keys = {r.values["name"].strip().lower() for r in new_rows if r.values.get("name")}
            column, model = func.lower(Account.name), Account
        elif self.kind == "contacts":
            keys = {r.values["email"].strip().lower() for r in new_rows if r.values.get("email")}
            column, model = func.lower(Contact.email), Contact
        else:
            return {}
        if not keys:
            return {}
        visible = case((account_visibility(self.user), True), else_=False).label("visible")
        stmt = (select(*model.__table__.columns, visible)
                .where(model.external_id.is_(None), column.in_(keys), account_visibility(self.user)))
        if model is not Account:
            stmt = stmt.join(Account, Account.id == model.account_id)
        found: dict[str, list[dict]] = {}
        for r in self.session.execute(stmt.order_by(model.id)).mappings():
            key = (r["name"] if model is Account else r["email"]).strip().lower()
            found.setdefault(key, []).append(dict(r))
        return found

    def _link(self, row: m.Row, values: dict, made_here: dict,
              account: dict | None) -> dict | None:
        """The record made in the app that this row (with a new ID) is, if exactly one."""
        if self.kind == "accounts":
            key, what = (values.get("name") or "").strip().lower(), "accounts are called"
        else:
            key, what = (values.get("email") or "").strip().lower(), "contacts have the e-mail"
        candidates = [c for c in made_here.get(key, []) if c["id"] not in self.linked_ids
                      and (account is None or c.get("account_id") in (None, account["id"]))]
        if not candidates:
            return None
        if len(candidates) > 1:
            shown = values.get("name") if self.kind == "accounts" else values.get("email")
            row.errors.append(f"{len(candidates)} {what} “{shown}” and have no ID: "
                              "merge them in the app first, or import this row without them")
            return None
        self.linked_ids.add(candidates[0]["id"])
        return candidates[0]

    def _new_record(self, columns: dict, owner_id: int | None, account: dict | None) -> dict:
        record = {**NEW_DEFAULTS[self.kind], **columns, "uuid": new_uuid(),
                  "created_at": self.now}
        if self.kind == "accounts":
            record["owner_id"] = owner_id or self.default_owner_id
            record["updated_at"] = self.now
        elif self.kind == "opportunities":
            closed = record["stage"] in ("won", "lost")
            record.update(owner_id=owner_id or account["owner_id"], updated_at=self.now,
                          stage_changed_at=self.now, closed_at=self.now if closed else None,
                          qualified=record["stage"] not in ("first_meeting", "lost"))
        return record

    def _update(self, row: m.Row, current: dict, columns: dict, owner_id: int | None) -> _Planned:
        if owner_id is not None and self.kind != "contacts":
            columns["owner_id"] = owner_id
        if self.kind == "opportunities" and "stage" in columns \
                and columns["stage"] != current["stage"]:
            columns["qualified"] = columns["stage"] not in ("first_meeting", "lost")
            columns["stage_changed_at"], columns["closed_at"] = stage_timestamps(
                current["stage"], columns["stage"], self.now, current["closed_at"])
        changes = {k: v for k, v in columns.items() if _differs(current.get(k), v)}
        if not changes:
            return _Planned(row, "unchanged", {}, current["id"])
        planned = _Planned(row, "update", changes, current["id"])
        if "owner_id" in changes:
            planned.previous_owner_id = current["owner_id"]
        if self.kind == "opportunities":
            planned.history = [(f, current[f], changes[f]) for f in HISTORY_FIELDS
                               if f in changes]
            if planned.history:
                changes["version"] = current["version"] + 1
        if self.kind != "contacts":
            changes["updated_at"] = self.now
        planned.previous = {k: current[k] for k in changes}
        return planned

    def _owner(self, row: m.Row, values: dict, *, is_new: bool) -> int | None:
        """The owner the row names, when it is one the importer may assign; else None: a new
        account gets the form's default owner, a new opportunity its account's owner, and an
        existing record keeps its owner (the fallback is counted for the preview)."""
        named = values.get("owner")
        owner_id = self.owners_by_key.get(named.strip().lower()) if named else None
        if named and owner_id is None:
            row.values["_owner_fallback"] = True
        needs_default = is_new and self.kind == "accounts" and not self.user.is_admin
        if owner_id is None and needs_default and self.default_owner_id is None:
            row.errors.append(f"owner “{named}” is not one of your reps: choose who gets such "
                              "accounts" if named else "no owner: choose who gets the new accounts")
        return owner_id

    def _account(self, row: m.Row, values: dict, links: dict, *, required: bool) -> dict | None:
        ext, name = values.get("account_external_id"), values.get("account_name")
        if ext is not None:
            found = links["ids"].get(ext)
            if found is None:
                row.errors.append(f"no account you can see has the ID “{ext}”")
            return found
        if name is not None:
            found = links["names"].get(name.lower(), [])
            if len(found) > 1:
                row.errors.append(f"{len(found)} of your accounts are called “{name}”: "
                                  "use the account's ID instead")
                return None
            if not found:
                row.errors.append(f"no account you can see is called “{name}”")
                return None
            return found[0]
        if required:
            row.errors.append("the account is missing (its ID or its name)")
        return None

    def _existing(self, ids: list[str]) -> dict[str, dict]:
        """External id -> the current record's columns and whether the importer may change it."""
        if not ids:
            return {}
        visible = case((account_visibility(self.user), True), else_=False).label("visible")
        model = self.model
        stmt = select(*model.__table__.columns, visible).where(model.external_id.in_(ids))
        if model is not Account:
            stmt = stmt.join(Account, Account.id == model.account_id)
        return {r["external_id"]: dict(r) for r in self.session.execute(stmt).mappings()}

    def _accounts(self, rows: list[m.Row]) -> dict[str, dict]:
        """The visible accounts the batch's rows name, by external id and by lower-case name."""
        ids = {r.values["account_external_id"] for r in rows if "account_external_id" in r.values}
        names = {r.values["account_name"].lower() for r in rows
                 if "account_name" in r.values and "account_external_id" not in r.values}
        links: dict[str, dict] = {"ids": {}, "names": {}}
        columns = (Account.id, Account.external_id, Account.owner_id, Account.name)
        if ids:
            stmt = select(*columns).where(Account.external_id.in_(ids),
                                          account_visibility(self.user))
            for r in self.session.execute(stmt).mappings():
                links["ids"][r["external_id"]] = dict(r)
                self.account_names[r["id"]] = r["name"]
        if names:
            stmt = select(*columns).where(func.lower(Account.name).in_(names),
                                          account_visibility(self.user))
            for r in self.session.execute(stmt).mappings():
                links["names"].setdefault(r["name"].lower(), []).append(dict(r))
                self.account_names[r["id"]] = r["name"]
        return links

    def describe(self, planned: _Planned) -> dict[str, str]:
        """A row as the preview shows it: what happens, and the values that will be saved."""
        values = planned.row.values
        shown = {"line": str(planned.row.line),
                 "action": {"new": "New", "update": "Update", "unchanged": "No change",
                            "error": "Error"}[planned.action]}
        if planned.linked and planned.action in ("update", "unchanged"):
            shown["action"] = "Links to the one made in the app"
        for name in m.FIELDS[self.kind]:
            if name in values and name not in ("owner", "first_name", "last_name"):
                shown[name] = m.display(values[name]) if name != "stage" \
                    else values[name].replace("_", " ").capitalize()
        owner_id = planned.values.get("owner_id")
        if owner_id in self.owner_names:
            shown["owner"] = self.owner_names[owner_id]
        account_id = planned.values.get("account_id")
        if account_id in self.account_names:
            shown["account_name"] = self.account_names[account_id]
        return shown


def _differs(old: Any, new: Any) -> bool:
    if isinstance(new, Decimal) and old is not None:
        return Decimal(old).quantize(Decimal("0.01")) != new
    if isinstance(new, datetime) or isinstance(old, datetime):
        return old != new
    return old != new


def _write(session: Session, user: User, job: ImportJob, planned: list[_Planned]) -> None:
    """One batch: one executemany INSERT, one executemany UPDATE (grouped by the columns
    changed), the opportunities' history rows, and the undo log of all of it."""
    kind = job.kind
    model = MODELS[kind]
    undo: list[dict] = []
    new = [p.values for p in planned if p.action == "new"]
    if new:
        # Core, not the ORM's bulk insert: that splits a batch wherever a value is None.
        ids = session.scalars(insert(model.__table__).returning(model.__table__.c.id), new)
        undo += [{"table_name": model.__tablename__, "record_id": i, "previous": None}
                 for i in ids]
    # The ORM's bulk UPDATE by primary key runs one executemany per run of rows changing the
    # same columns: sorted, that is one per set of columns.
    changed = sorted((p for p in planned if p.action == "update"),
                     key=lambda p: tuple(sorted(p.values)))
    if changed:
        session.execute(update(model), [{"id": p.record_id, **p.values} for p in changed])
        undo += [{"table_name": model.__tablename__, "record_id": p.record_id,
                  "previous": _to_json(p.previous)} for p in changed]
    for p in changed:  # ownership changes are audited one by one, like a territory plan's
        if "owner_id" in p.values:
            target = "account" if kind == "accounts" else "opportunity"
            audit.record(session, user, f"{target}.owner_changed", target, p.record_id,
                         owner_id=[p.previous_owner_id, p.values["owner_id"]], via="import")
    if kind == "opportunities":
        history = [
            {"opportunity_id": p.record_id, "user_id": user.id,
             "changed_at": p.values["updated_at"], "field": name,
             "old_value": _history_text(old), "new_value": _history_text(new_value),
             "client_id": None, "version": p.values["version"]}
            for p in changed for name, old, new_value in p.history
        ]
        if history:
            ids = session.scalars(insert(OpportunityChange).returning(OpportunityChange.id),
                                  history)
            undo += [{"table_name": OpportunityChange.__tablename__, "record_id": i,
                      "previous": None} for i in ids]
    if undo:
        session.execute(insert(ImportUndo), [{"job_id": job.id, **u} for u in undo])


def _to_json(values: dict[str, Any]) -> dict[str, Any]:
    """Column values as JSON can keep them (dates and amounts as text)."""
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else
                str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def _from_json(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """The reverse of _to_json, by the columns' types."""
    out = {}
    for name, value in values.items():
        kind = model.__table__.c[name].type.python_type
        if value is not None and kind is datetime:
            value = datetime.fromisoformat(value)
        elif value is not None and kind is date:
            value = date.fromisoformat(value)
        elif value is not None and kind is Decimal:
            value = Decimal(value)
        out[name] = value
    return out


def _history_text(value: Any) -> str | None:
    if isinstance(value, float):
        value = Decimal(str(value))
    return to_text(value)
