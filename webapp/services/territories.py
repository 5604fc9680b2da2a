"""Writes for territory design: create a territory, save its rules."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Territory, TerritoryRule, User
from webapp.services import audit
from webapp.territories import rules as r


class TerritoryError(ValueError):
    """A territory change was refused; the message says why, in plain words."""


def create_territory(session: Session, *, name: str, owner: User | None,
                     description: str = "", actor: User | None = None) -> Territory:
    """A new, empty territory (no rules yet); commits. Written to the audit log as `actor`."""
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
    session.commit()
    return territory


def save_rules(session: Session, territory: Territory, values: dict, owner: User | None,
               actor: User | None = None) -> None:
    """Store the territory's owner and rules (`values`: the rule form's fields); commits.
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
        row.__setattr__(name, ", ".join(r.split_list(value)))
    row.center_latitude, row.center_longitude, row.radius_km = radius
    new_owner_id = owner.id if owner else None
    if new_owner_id != territory.owner_id:
        audit.record(session, actor, "territory.owner_changed", "territory", territory.id,
                     name=territory.name, owner_id=[territory.owner_id, new_owner_id])
    territory.owner_id = new_owner_id
    session.commit()
