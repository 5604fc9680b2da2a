"""Imports in progress: the uploaded file, the user's choices, the progress of its background
check or import, and what an unfinished import has written (so it can be undone).

The file is kept in the database, not on the app server's disk, so any app server behind the
load balancer can show the review page or carry the import on."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from webapp.clock import utcnow
from webapp.models.base import Base

# checking -> checked -> importing -> imported
#                           \-> undoing -> failed (nothing imported; fix and check again)
IMPORT_STATUSES = ("checking", "checked", "importing", "undoing", "imported", "failed")
RUNNING_STATUSES = ("checking", "importing", "undoing")


class ImportJob(Base):
    """One uploaded CSV file, from upload to imported."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the page's unguessable handle
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(120), default="")
    encoding: Mapped[str] = mapped_column(String(16))
    delimiter: Mapped[str] = mapped_column(String(1))
    headers: Mapped[list] = mapped_column(JSON)
    mapping: Mapped[list] = mapped_column(JSON)  # per column: a field name, or "" to ignore it
    day_first: Mapped[bool] = mapped_column(Boolean, default=False)
    default_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The file itself, loaded only when it is read (never by the progress page).
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    size: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)  # data lines, for "row N of about M"

    status: Mapped[str] = mapped_column(String(16), default="checking")
    # Bumped by every new check or import: a runner working for an older one stops.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    runner: Mapped[str | None] = mapped_column(String(32))  # who works on it now
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)  # the last check's or import's Review
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES


class ImportUndo(Base):
    """One record an import in progress has written: inserted (undo: delete it) or updated
    (undo: put `previous` back). Written in the same transaction as the record, deleted when
    the import finishes; what is left belongs to an import that failed or was cut off."""

    __tablename__ = "import_undo"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    previous: Mapped[dict | None] = mapped_column(JSON)  # None: the import inserted the record
