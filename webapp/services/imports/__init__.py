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

Where it lives: `jobs.py` (the job's life from the page), `runner.py` (check, import, put
back, in batches), `rows.py` (what each row would do, the review, writing a batch); the pure
CSV rules are in `webapp/domain/csv_mapping.py`. Callers import from this package.
"""
from __future__ import annotations

from webapp.services.imports.jobs import (
    JobBusy,
    UploadRefused,
    choose,
    discard,
    is_stale,
    resume,
    save_upload,
    start_import,
)
from webapp.services.imports.rows import Review, RowError, assignable_owners
from webapp.services.imports.runner import pending_jobs, run

__all__ = ["JobBusy", "Review", "RowError", "UploadRefused", "assignable_owners", "choose",
           "discard", "is_stale", "pending_jobs", "resume", "run", "save_upload",
           "start_import"]
