"""Reads for CSV export: the rows of accounts, contacts and opportunities a user may see."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from webapp.models import Account, Contact, Opportunity, User
from webapp.queries.access import account_visibility


def export_rows(kind: str, user: User) -> Select:
    """A select() of the `kind` rows visible to `user`, with the columns csv_export.COLUMNS
    names (owner as e-mail, account as id and name), in a stable order. Run it with
    yield_per: it is streamed, never loaded whole."""
    # An alias: the visibility filter's subquery on users must not correlate with the owner.
    owner = aliased(User)
    if kind == "accounts":
        stmt = (select(Account.external_id, Account.name, Account.industry, Account.segment,
                       Account.status, Account.street, Account.city, Account.region,
                       Account.postal_code, Account.country, Account.phone, Account.website,
                       Account.potential, owner.email.label("owner_email"), Account.uuid)
                .outerjoin(owner, owner.id == Account.owner_id).order_by(Account.id))
    elif kind == "contacts":
        stmt = (select(Contact.external_id, Account.external_id.label("account_external_id"),
                       Account.name.label("account_name"), Contact.name, Contact.title,
                       Contact.email, Contact.phone, Contact.uuid)
                .join(Account, Account.id == Contact.account_id).order_by(Contact.id))
    elif kind == "opportunities":
        stmt = (select(Opportunity.external_id,
                       Account.external_id.label("account_external_id"),
                       Account.name.label("account_name"), Opportunity.name, Opportunity.stage,
                       Opportunity.amount, Opportunity.currency, Opportunity.close_on,
                       Opportunity.next_step, owner.email.label("owner_email"), Opportunity.uuid)
                .join(Account, Account.id == Opportunity.account_id)
                .outerjoin(owner, owner.id == Opportunity.owner_id).order_by(Opportunity.id))
    else:
        raise ValueError(kind)
    return stmt.where(account_visibility(user))
