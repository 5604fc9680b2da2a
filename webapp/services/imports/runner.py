"""The runner: claims a waiting job, checks every row, imports in short batches (each its
own transaction, on purpose) and puts back what it wrote when a batch fails or it was cut
off (see __init__)."""
from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Iterator
from itertools import islice

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session, undefer

from webapp.clock import utcnow
from webapp.database import reading
from webapp.domain import csv_mapping as m
from webapp.models import (
    ImportJob,
    ImportUndo,
    User,
)
from webapp.models import aggregates
from webapp.models.imports import RUNNING_STATUSES
from webapp.services import audit
from webapp.services.imports.jobs import STALE_AFTER
from webapp.services.imports.rows import (
    MODELS,
    TABLES,
    Review,
    _Context,
    _count,
    _cut_off_review,
    _from_json,
    _write,
)

BATCH_SIZE = 2000  # rows the check looks up at once
WRITE_BATCH_SIZE = 500  # rows the import writes per transaction (tens of milliseconds)
# On SQLite, a pause between two written batches lets other requests' writes, waiting for the
# single write lock, take it (without it the import can win the lock again and again).
SQLITE_PAUSE_SECONDS = 0.02

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
            aggregates.note_rows(session, model, inserted)  # per-owner totals
            session.execute(delete(model).where(model.id.in_(inserted)))
        updated = [{"id": e.record_id, **_from_json(model, e.previous)}
                   for e in mine if e.previous is not None]
        if updated:
            aggregates.note_rows(session, model, [row["id"] for row in updated])
            session.execute(update(model), sorted(updated, key=lambda row: tuple(sorted(row))))


def _has_undo(session: Session, job: ImportJob) -> bool:
    return session.scalar(select(ImportUndo.id).where(ImportUndo.job_id == job.id).limit(1)) \
        is not None




def _rows(job: ImportJob) -> Iterator[m.Row]:
    return m.read_rows(job.content or b"", job.encoding, job.delimiter, job.kind, job.mapping,
                       day_first=job.day_first)


def _batches(rows: Iterable[m.Row], size: int = BATCH_SIZE) -> Iterator[list[m.Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


