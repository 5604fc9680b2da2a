"""An import job's life from the page: the upload kept in the database, the user's choices,
start, carry on after a cut-off, discard; who may be made an owner. Each commits at once:
a runner thread on another connection reads the job next (see __init__)."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain import csv_mapping as m
from webapp.models import (
    ImportJob,
    ImportUndo,
    User,
)
from webapp.services.imports.rows import Review, _cut_off_review, assignable_owners

UNIMPORTED_MAX_AGE = timedelta(hours=24)  # an upload nobody imported is forgotten after this
FINISHED_MAX_AGE = timedelta(days=30)  # an import's record on the import page
STALE_AFTER = timedelta(seconds=60)  # a runner silent this long has been cut off



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
