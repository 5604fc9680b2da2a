"""Reads for CSV export: the rows of accounts, contacts and opportunities a user may see."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, RowMapping, Select, select
from sqlalchemy.orm import Session, aliased

from webapp.models import Account, Contact, Opportunity, User
from webapp.queries.access import account_visibility

BATCH_ROWS = 1000


def export_rows(kind: str, user: User) -> tuple[Select, ColumnElement[int]]:
    """A select() of the `kind` rows visible to `user`, with the columns csv_export.COLUMNS
    names (owner as e-mail, account as id and name) ordered by their id, and that id column
    (the key that export_batches() pages on)."""
    # An alias: the visibility filter's subquery on users must not correlate with the owner.
    owner = aliased(User)
    if kind == "accounts":
        key = Account.id
        stmt = (select(Account.external_id, Account.name, Account.industry, Account.segment,
                       Account.status, Account.street, Account.city, Account.region,
                       Account.postal_code, Account.country, Account.phone, Account.website,
                       Account.potential, owner.email.label("owner_email"), Account.uuid)
                .outerjoin(owner, owner.id == Account.owner_id))
    elif kind == "contacts":
        key = Contact.id
        stmt = (select(Contact.external_id, Account.external_id.label("account_external_id"),
                       Account.name.label("account_name"), Contact.name, Contact.title,
                       Contact.email, Contact.phone, Contact.uuid)
                .join(Account, Account.id == Contact.account_id))
    elif kind == "opportunities":
        key = Opportunity.id
        stmt = (select(Opportunity.external_id,
                       Account.external_id.label("account_external_id"),
                       Account.name.label("account_name"), Opportunity.name, Opportunity.stage,
                       Opportunity.amount, Opportunity.currency, Opportunity.close_on,
                       Opportunity.next_step, owner.email.label("owner_email"), Opportunity.uuid)
                .join(Account, Account.id == Opportunity.account_id)
                .outerjoin(owner, owner.id == Opportunity.owner_id))
    else:
        raise ValueError(kind)
    return (stmt.add_columns(key.label("row_key")).where(account_visibility(user))
            .order_by(key)), key


def export_batches(session: Session, kind: str, user: User,
                   size: int = BATCH_ROWS) -> Iterator[RowMapping]:
    """Every `kind` row visible to `user`, fetched `size` at a time after the last id seen
    (keyset pages), each page in its own short read transaction.

    The file is streamed after the request that asked for it has ended, to a phone that may
    read slowly: a server-side cursor (yield_per) would be gone with the request's
    transaction on PostgreSQL, and one held open would pin a connection for the whole
    download. Between pages nothing is held. The select is built now, while `user` is loaded."""
    stmt, key = export_rows(kind, user)
    return _pages(session, stmt, key, size)


def _pages(session: Session, stmt: Select, key: ColumnElement[int],
           size: int) -> Iterator[RowMapping]:
    last = None
    while True:
        page = stmt if last is None else stmt.where(key > last)
        rows = session.execute(page.limit(size)).mappings().all()
        session.rollback()  # end the read: no transaction or connection held between pages
        yield from rows
        if len(rows) < size:
            return
        last = rows[-1]["row_key"]
