"""Writes for territory design: create a territory, save its rules, pin accounts to it by hand.

Design changes move no account: owners and territories change only through a change plan
(webapp/services/territory_plans.py), on its dates and with its protection for open deals.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.clock import utcnow
from webapp.domain import territory_matching
from webapp.models import Account, Territory, TerritoryOverride, TerritoryRule, User
from webapp.services import audit


class TerritoryError(ValueError):
    """A territory change was refused; the message says why, in plain words."""


def create_territory(session: Session, *, name: str, owner: User | None,
                     description: str = "", actor: User | None = None) -> Territory:
    """A new, empty territory (no rules yet). Written to the audit log as `actor`."""
    name = " ".join(name.split())
    if not name:
        raise TerritoryError("Enter a name.")
    if session.scalar(select(func.count(Territory.id))
                      .where(func.lower(Territory.name) == name.lower())):
        raise TerritoryError("A territory with this name exists already.")
    territory = Territory(name=name, description=description.strip(),
                          owner_id=owner.id if owner else None)
    session.add(territory)
    session.flush()
    audit.record(session, actor, "territory.created", "territory", territory.id, name=name,
                 owner_id=territory.owner_id)
    session.flush()
    return territory


def save_rules(session: Session, territory: Territory, values: dict, owner: User | None,
               actor: User | None = None) -> None:
    """Store the territory's owner and rules (`values`: the rule form's fields).
    A new owner is written to the audit log as `actor`'s change.

    Changing rules moves no account: accounts change hands only through a change plan.
    """
    radius = [values.get("center_latitude"), values.get("center_longitude"),
              values.get("radius_km")]
    if any(v is not None for v in radius) and None in radius:
        raise TerritoryError("A radius needs a latitude, a longitude and a distance.")
    row = session.scalar(select(TerritoryRule).where(TerritoryRule.territory_id == territory.id))
    if row is None:
        row = TerritoryRule(territory_id=territory.id)
        session.add(row)
    for name in ("countries", "regions", "postal_prefixes", "industries", "segments",
                 "potential_bands"):
        value = values.get(name) or ""
        if isinstance(value, (list, tuple)):
            value = ", ".join(value)
        row.__setattr__(name, ", ".join(territory_matching.split_list(value)))
    row.center_latitude, row.center_longitude, row.radius_km = radius
    new_owner_id = owner.id if owner else None
    if new_owner_id != territory.owner_id:
        audit.record(session, actor, "territory.owner_changed", "territory", territory.id,
                     name=territory.name, owner_id=[territory.owner_id, new_owner_id])
    territory.owner_id = new_owner_id
    session.flush()


def pin_account(session: Session, territory: Territory, account: Account,
                actor: User | None = None) -> int | None:
    """Pin `account` to `territory` by hand (a manual override: it wins over every rule);
    returns the territory it was pinned to before (None: it was not pinned); pinning
    it where it is pinned already changes nothing.

    The caller has checked that `actor` may design the territory and see the account. Nobody's
    accounts change today: the next change plan drafted carries the pin out.
    """
    override = session.scalar(select(TerritoryOverride)
                              .where(TerritoryOverride.account_id == account.id))
    previous = override.territory_id if override else None
    if previous == territory.id:
        return previous
    if override is None:
        override = TerritoryOverride(account_id=account.id)
        session.add(override)
    override.territory_id = territory.id
    override.created_by_id = actor.id if actor else None
    override.created_at = utcnow()
    audit.record(session, actor, "territory.override_added", "account", account.id,
                 account=account.name, territory_id=territory.id, territory=territory.name,
                 replaces_territory_id=previous)
    session.flush()
    return previous


def unpin_account(session: Session, territory: Territory, account: Account,
                  actor: User | None = None) -> bool:
    """Remove the pin of `account` on `territory`, so the rules decide again.
    Returns False (and changes nothing) when it was not pinned there. Like pinning, this
    moves no account today: the next change plan drafted follows the rules."""
    override = session.scalar(select(TerritoryOverride).where(
        TerritoryOverride.account_id == account.id,
        TerritoryOverride.territory_id == territory.id))
    if override is None:
        return False
    session.delete(override)
    audit.record(session, actor, "territory.override_removed", "account", account.id,
                 account=account.name, territory_id=territory.id, territory=territory.name)
    session.flush()
    return True
