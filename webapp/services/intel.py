"""Writes for intel and vendor pals: an intel item on an account, a vendor pal, and a
vendor-pal meeting that covers several accounts (one intel item each, and a touch of the pal).
Each is idempotent on its client id (the offline outbox may send it twice)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.models import Account, Contact, Intel, PalMeeting, User, VendorPal
from webapp.services.idempotency import add_once, existing_for

MAX_INTEL_LENGTH = 2000
MAX_PAL_MEETING_ACCOUNTS = 8


class IntelError(ValueError):
    """Input that cannot be saved; `field` names the form field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _body(text: str, field: str = "body") -> str:
    text = (text or "").strip()
    if not text:
        raise IntelError(field, "Write what you learned.")
    if len(text) > MAX_INTEL_LENGTH:
        raise IntelError(field, f"Keep it under {MAX_INTEL_LENGTH:,} characters.")
    return text


def _learned(learned_on: date | None, today: date) -> date:
    if learned_on is None:
        return today
    if learned_on > today:
        raise IntelError("learned_on", "Intel is learned today or before.")
    return learned_on


def add_intel(session: Session, user: User, *, account: Account, body: str, client_id: str,
              today: date, learned_on: date | None = None, contact: Contact | None = None,
              pal: VendorPal | None = None, source_text: str = "") -> Intel:
    """Attach what `user` learned to `account`: when (today unless said) and from whom (a
    contact of the account, one of the user's vendor pals, or free text). The caller has
    checked that `user` may see the account and that the contact and pal are theirs to name."""
    existing = existing_for(session, Intel, client_id, user.id)
    if existing is not None:
        return existing
    if contact is not None and contact.account_id != account.id:
        raise IntelError("source", "Choose a contact of this account.")
    source_text = (source_text or "").strip()
    if len(source_text) > 200:
        raise IntelError("source_text", "Keep it under 200 characters.")
    item = Intel(uuid=client_id, user_id=user.id, account_id=account.id, body=_body(body),
                 learned_on=_learned(learned_on, today),
                 contact_id=contact.id if contact else None, pal_id=pal.id if pal else None,
                 source_text=source_text, created_at=utcnow())
    return add_once(session, item, Intel, client_id, user.id)


@dataclass(frozen=True)
class NewPal:
    name: str
    company: str
    sells: str = ""
    phone: str = ""
    email: str = ""


def add_pal(session: Session, user: User, pal: NewPal, *, client_id: str) -> VendorPal:
    """Keep a vendor pal (a person at a non-competing vendor) for `user`."""
    existing = existing_for(session, VendorPal, client_id, user.id)
    if existing is not None:
        return existing
    name, company = pal.name.strip(), pal.company.strip()
    if not name:
        raise IntelError("name", "Enter their name.")
    if not company:
        raise IntelError("company", "Enter their company.")
    row = VendorPal(uuid=client_id, user_id=user.id, name=name, company=company,
                    sells=pal.sells.strip(), phone=pal.phone.strip(),
                    email=pal.email.strip().lower(), created_at=utcnow())
    return add_once(session, row, VendorPal, client_id, user.id)


def log_pal_meeting(session: Session, user: User, *, pal: VendorPal, met_on: date,
                    lines: list[tuple[Account, str]], client_id: str,
                    today: date) -> PalMeeting:
    """A vendor-pal meeting: one intel item per account discussed (learned from the pal on
    `met_on`), and the pal touched. The caller has checked the pal is the user's and that the
    user may see every account; an account named twice is refused."""
    existing = existing_for(session, PalMeeting, client_id, user.id)
    if existing is not None:
        return existing
    if met_on > today:
        raise IntelError("met_on", "The meeting is today or before.")
    if not lines:
        raise IntelError("lines", "Add at least one account and what you learned.")
    if len(lines) > MAX_PAL_MEETING_ACCOUNTS:
        raise IntelError("lines", f"At most {MAX_PAL_MEETING_ACCOUNTS} accounts per meeting.")
    ids = [account.id for account, _ in lines]
    if len(set(ids)) != len(ids):
        raise IntelError("lines", "Name each account once.")
    bodies = [_body(text, "lines") for _, text in lines]
    now = utcnow()
    meeting = PalMeeting(uuid=client_id, user_id=user.id, pal_id=pal.id, met_on=met_on,
                         created_at=now)
    saved = add_once(session, meeting, PalMeeting, client_id, user.id)
    if saved is not meeting:
        return saved
    for (account, _), body in zip(lines, bodies, strict=True):
        session.add(Intel(user_id=user.id, account_id=account.id, body=body, learned_on=met_on,
                          pal_id=pal.id, pal_meeting_id=meeting.id, source_text="",
                          created_at=now))
    if pal.last_met_on is None or pal.last_met_on < met_on:
        pal.last_met_on = met_on
    session.flush()
    return meeting

