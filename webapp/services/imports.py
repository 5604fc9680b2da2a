"""Importing CRM exports: keep the upload on disk, check every row, then write all or nothing.

How a big file goes in (50,000 rows in a few seconds, see bench/import_50k.py):
- the file is streamed from disk, never held whole in memory. The preview checks every row
  (cell values, duplicate ids in the file, existing records, accounts, owners) and writes
  nothing; the import button appears only when no row has an error. Confirming reads the file
  once more, checking each batch again just before writing it (the data may have changed
  since the preview); if any row fails, the whole transaction is rolled back;
- the database is asked in batches of BATCH_SIZE rows: one lookup of the batch's external
  ids, one of its accounts, then one executemany INSERT and one executemany UPDATE;
- everything is written in ONE transaction, so a failure leaves nothing behind.
The trade-off: all-or-nothing means one transaction, and on SQLite a writing transaction holds
the database's single write lock until it commits. Other requests' writes wait (busy_timeout)
while a big import writes; reads are not blocked (WAL). Batching keeps that stretch to seconds
rather than minutes; a file much bigger than 50,000 rows is better split (each part is still
all-or-nothing). PostgreSQL locks only the rows written, so other users are not held up.

Re-importing is idempotent: a row whose external id exists updates that record (only the
columns the file has; a blank cell keeps the current value), rows that change nothing are
counted as unchanged, and opportunities' changes go to their history like any other edit.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.imports import mapping as m
from webapp.models import Account, Contact, Opportunity, OpportunityChange, User, new_uuid
from webapp.opportunities.rules import stage_timestamps, to_text
from webapp.queries.access import account_visibility, visible_user_ids
from webapp.services import audit

BATCH_SIZE = 2000  # rows per lookup and per executemany
SAMPLE_SIZE = 10  # rows shown in the preview
MAX_LISTED_ERRORS = 200  # errors kept for the preview (all are counted)
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")

MODELS = {"accounts": Account, "contacts": Contact, "opportunities": Opportunity}
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


class UploadRefused(ValueError):
    """The uploaded file cannot be imported at all; the message says why."""


class ImportRejected(Exception):
    """Nothing was imported: `review` lists what is wrong."""

    def __init__(self, review: Review):
        super().__init__(f"{review.error_count} rows have errors")
        self.review = review


# --- the upload, kept on disk between preview and confirm -------------------------------------

@dataclass
class Upload:
    """An uploaded file under instance/imports/ and the choices made for it."""

    token: str
    user_id: int
    kind: str
    filename: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: list[str]  # per column: a field name, or "" to ignore it
    day_first: bool = False
    default_owner_id: int | None = None
    folder: str = field(default="", repr=False)

    @property
    def path(self) -> Path:
        return Path(self.folder) / f"{self.token}.csv"

    @property
    def encoding_label(self) -> str:
        return m.ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        return {",": "commas", ";": "semicolons", "\t": "tabs"}[self.delimiter]

    def save(self) -> None:
        data = asdict(self)
        data.pop("folder")
        (Path(self.folder) / f"{self.token}.json").write_text(json.dumps(data))


def save_upload(folder: str | Path, user: User, stream: BinaryIO, filename: str,
                kind: str | None = None) -> Upload:
    """Store an uploaded CSV under `folder`, find its encoding, delimiter and columns, and
    guess the kind (when `kind` is None) and the column mapping. Raises UploadRefused."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.csv"
    with open(path, "wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    try:
        with open(path, "rb") as raw:
            encoding = m.detect_encoding(raw)
        headers, delimiter = m.read_header(path, encoding)
    except m.FileProblem as error:
        path.unlink(missing_ok=True)
        raise UploadRefused(str(error)) from None
    kind = kind if kind in m.KINDS else m.guess_kind(headers)
    upload = Upload(token=token, user_id=user.id, kind=kind,
                    filename=Path(filename or "").name[:120], encoding=encoding, delimiter=delimiter, headers=headers,
                    mapping=[f or "" for f in m.guess_mapping(kind, headers)], folder=str(folder))
    upload.save()
    return upload


def load_upload(folder: str | Path, token: str, user: User) -> Upload | None:
    """The upload `token` of `user`, or None (unknown, expired, or someone else's)."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    meta = Path(folder) / f"{token}.json"
    try:
        data = json.loads(meta.read_text())
    except (OSError, ValueError):
        return None
    upload = Upload(**data, folder=str(folder))
    if upload.user_id != user.id or not upload.path.exists():
        return None
    return upload


def choose(upload: Upload, *, mapping: list[str], day_first: bool,
           default_owner_id: int | None) -> Upload:
    """Keep the user's column mapping and options with the upload."""
    upload.mapping = [f if f in m.FIELDS[upload.kind] else "" for f in mapping]
    upload.day_first = day_first
    upload.default_owner_id = default_owner_id
    upload.save()
    return upload


def discard_upload(upload: Upload) -> None:
    for suffix in (".csv", ".json"):
        (Path(upload.folder) / f"{upload.token}{suffix}").unlink(missing_ok=True)


def _forget_old_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in folder.glob("*.*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


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

    @property
    def ok(self) -> bool:
        return not self.problems and not self.error_count and self.rows > 0

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


def review_upload(session: Session, user: User, upload: Upload) -> Review:
    """Check every row of the upload against the file and the database; writes nothing."""
    review = Review(upload.kind)
    review.problems = m.mapping_problems(upload.kind, upload.mapping)
    if review.problems:
        return review
    context = _Context(session, user, upload, build=False)
    try:
        for batch in _batches(_rows(upload)):
            for planned in context.plan(batch):
                _count(review, planned, context)
    except m.FileProblem as error:
        review.problems.append(str(error))
    if review.rows == 0 and not review.problems:
        review.problems.append("The file has a header but no rows.")
    return review


def import_upload(session: Session, user: User, upload: Upload) -> Review:
    """Write every row in one transaction, each batch checked just before it is written, then
    commit with an audit event. If any row has an error, nothing is saved: the transaction is
    rolled back (the rest of the file is still checked, so the list is complete) and
    ImportRejected carries the review.

    The full check without writing is review_upload(), which the preview runs (a GET: no write
    lock); checking again here, batch by batch, catches what changed since and costs one pass
    over the file instead of two while the write lock is held."""
    done = Review(upload.kind)
    done.problems = m.mapping_problems(upload.kind, upload.mapping)
    if done.problems:
        raise ImportRejected(done)
    context = _Context(session, user, upload, build=True)
    try:
        for batch in _batches(_rows(upload)):
            planned = context.plan(batch)
            for item in planned:
                _count(done, item, context)
            if not done.error_count:
                _write(session, user, upload.kind, planned)
        if done.rows == 0:
            done.problems.append("The file has a header but no rows.")
        if not done.ok:
            raise ImportRejected(done)
        audit.record(session, user, f"import.{upload.kind}", "import", upload.token,
                     file=upload.filename, rows=done.rows, new=done.new, updated=done.updated,
                     unchanged=done.unchanged, encoding=upload.encoding)
        session.commit()
    except m.FileProblem as error:
        session.rollback()
        done.problems.append(str(error))
        raise ImportRejected(done) from None
    except IntegrityError:
        session.rollback()
        done.problems.append("Someone else saved some of these records while the import ran. "
                             "Nothing was imported: check the file again.")
        raise ImportRejected(done) from None
    except BaseException:
        session.rollback()
        raise
    return done


def _rows(upload: Upload) -> Iterator[m.Row]:
    return m.read_rows(upload.path, upload.encoding, upload.delimiter, upload.kind,
                       upload.mapping, day_first=upload.day_first)


def _batches(rows: Iterable[m.Row]) -> Iterator[list[m.Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_SIZE)):
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
    if len(review.sample) < SAMPLE_SIZE:
        review.sample.append(context.describe(planned))


class _Context:
    """What checking one import needs across batches: who imports, the owners they may assign,
    and the external ids seen so far in the file (line of first sight)."""

    def __init__(self, session: Session, user: User, upload: Upload, *, build: bool):
        self.session, self.user, self.kind = session, user, upload.kind
        self.build = build  # False while only checking: new rows' records are not built
        self.model = MODELS[upload.kind]
        self.now = utcnow()
        owners = assignable_owners(session, user)
        self.owner_names = {o.id: o.name for o in owners}
        self.owners_by_key = {}
        for owner in owners:
            self.owners_by_key.setdefault(owner.name.strip().lower(), owner.id)
        for owner in owners:
            self.owners_by_key[owner.email.lower()] = owner.id
        default = upload.default_owner_id
        self.default_owner_id = default if default in self.owner_names else None
        self.seen: dict[str, int] = {}
        self.account_names: dict[int, str] = {}

    # one batch -> one plan per row, with at most three queries
    def plan(self, rows: list[m.Row]) -> list[_Planned]:
        existing = self._existing([r.values["external_id"] for r in rows
                                   if "external_id" in r.values])
        links = self._accounts(rows) if self.kind != "accounts" else {}
        return [self._plan_row(row, existing, links) for row in rows]

    def _plan_row(self, row: m.Row, existing: dict, links: dict) -> _Planned:
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
        owner_id = self._owner(row, values, is_new=current is None)
        account = None
        if self.kind != "accounts":
            account = self._account(row, values, links, required=current is None)
        if row.errors:
            return _Planned(row, "error", {})
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
        return self._update(row, current, columns, owner_id)

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


def _write(session: Session, user: User, kind: str, planned: list[_Planned]) -> None:
    """One batch: one executemany INSERT, one executemany UPDATE (grouped by the columns
    changed), and the opportunities' history rows."""
    model = MODELS[kind]
    new = [p.values for p in planned if p.action == "new"]
    if new:
        # Core, not the ORM's bulk insert: that splits a batch wherever a value is None.
        session.execute(insert(model.__table__), new)
    # The ORM's bulk UPDATE by primary key runs one executemany per run of rows changing the
    # same columns: sorted, that is one per set of columns.
    changed = sorted((p for p in planned if p.action == "update"),
                     key=lambda p: tuple(sorted(p.values)))
    if changed:
        session.execute(update(model), [{"id": p.record_id, **p.values} for p in changed])
    for p in changed:  # ownership changes are audited one by one, like a territory plan's
        if "owner_id" in p.values:
            target = "account" if kind == "accounts" else "opportunity"
            audit.record(session, user, f"{target}.owner_changed", target, p.record_id,
                         owner_id=[p.previous_owner_id, p.values["owner_id"]], via="import")
    if kind == "opportunities":
        history = [
            {"opportunity_id": p.record_id, "user_id": user.id,
             "changed_at": p.values["updated_at"], "field": name, "old_value": _history_text(old), "new_value": _history_text(new_value),
             "client_id": None, "version": p.values["version"]}
            for p in changed for name, old, new_value in p.history
        ]
        if history:
            session.execute(insert(OpportunityChange), history)


def _history_text(value: Any) -> str | None:
    if isinstance(value, float):
        value = Decimal(str(value))
    return to_text(value)
