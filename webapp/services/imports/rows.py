"""Checking and planning rows: what each row of a file would do (new, update, unchanged,
error), the review the page shows, and writing a planned batch with its undo log."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain import csv_mapping as m
from webapp.domain.opportunities import stage_timestamps, to_text
from webapp.models import (
    Account,
    Contact,
    ContactPosition,
    ImportJob,
    KeepInTouch,
    ImportUndo,
    Opportunity,
    OpportunityChange,
    User,
    new_uuid,
)
from webapp.models import aggregates
from webapp.queries.access import account_visibility, visible_user_ids
from webapp.services import audit
from webapp.services.relationships import record_import_move

SAMPLE_SIZE = 10  # rows shown in the preview
MAX_LISTED_ERRORS = 200  # errors kept for the preview (all are counted)

MODELS = {"accounts": Account, "contacts": Contact, "opportunities": Opportunity}
TABLES = {model.__tablename__: model for model in (*MODELS.values(), OpportunityChange,
                                                    ContactPosition, KeepInTouch)}
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
    # A known person (same e-mail) at a new account: (their account, title, its owner) before.
    moved_from: tuple[int, str, int | None] | None = None





def _cut_off_review(job: ImportJob) -> Review:
    review = Review(job.kind)
    review.problems.append(CUT_OFF.format(done=job.rows_done))
    return review



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
        known = self._known_people(rows, existing) if self.kind == "contacts" else {}
        return [self._plan_row(row, existing, links, made_here, known) for row in rows]

    def _plan_row(self, row: m.Row, existing: dict, links: dict,
                  made_here: dict | None = None, known: dict | None = None) -> _Planned:
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
        moved_from = None
        if current is None and known and account is not None:
            # The same person (e-mail) already known at another account: they moved (issue 14).
            person = known.get((values.get("email") or "").strip().lower())
            if person is not None and person["id"] not in self.linked_ids \
                    and person["account_id"] != account["id"]:
                self.linked_ids.add(person["id"])
                current = person
                moved_from = (person["account_id"], person["title"], person["owner_id"])
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
        planned.moved_from = moved_from
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

    def _known_people(self, rows: list[m.Row], existing: dict) -> dict[str, dict]:
        """Contacts the importer may see, by lower-case e-mail, that rows with no known ID
        may be (the person at a new company): only e-mails exactly one contact has. One query."""
        keys = {r.values["email"].strip().lower() for r in rows
                if r.values.get("email") and r.values.get("external_id") not in existing}
        if not keys:
            return {}
        found: dict[str, list[dict]] = {}
        stmt = (select(*Contact.__table__.columns, Account.owner_id)
                .join(Account, Account.id == Contact.account_id)
                .where(func.lower(Contact.email).in_(keys), account_visibility(self.user)))
        for r in self.session.execute(stmt.order_by(Contact.id)).mappings():
            found.setdefault(r["email"].strip().lower(), []).append(dict(r, visible=True))
        return {key: people[0] for key, people in found.items() if len(people) == 1}

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
        if planned.moved_from is not None and planned.action == "update":
            shown["action"] = "Moved here: the same person"
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
        ids = list(session.scalars(insert(model.__table__).returning(model.__table__.c.id),
                                   new))
        aggregates.note_rows(session, model, ids)  # per-owner totals
        undo += [{"table_name": model.__tablename__, "record_id": i, "previous": None}
                 for i in ids]
    # The ORM's bulk UPDATE by primary key runs one executemany per run of rows changing the
    # same columns: sorted, that is one per set of columns.
    changed = sorted((p for p in planned if p.action == "update"),
                     key=lambda p: tuple(sorted(p.values)))
    if changed:
        aggregates.note_rows(session, model, [p.record_id for p in changed])  # owners before
        session.execute(update(model), [{"id": p.record_id, **p.values} for p in changed])
        undo += [{"table_name": model.__tablename__, "record_id": p.record_id,
                  "previous": _to_json(p.previous)} for p in changed]
    for p in changed:  # a known person at a new account: their history and who keeps in touch
        if p.moved_from is not None and "account_id" in p.values:
            from_id, title, owner_id = p.moved_from
            made = record_import_move(session, p.record_id, from_id, p.values["account_id"],
                                      title, [owner_id] if owner_id else [], utcnow(),
                                      utcnow().date())
            undo += [{"table_name": t, "record_id": i, "previous": None} for t, i in made]
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

