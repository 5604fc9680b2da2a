"""Reads of the per-owner totals (`webapp.models.aggregates`): what the team, rep, forecast,
one-to-one and territory pages used to sum over every deal and account, summed instead over a
few rows per owner (per stage, currency and month; per territory). The models keep them exact
in the transaction of every write, so these answers equal the full aggregates.

Periods must be whole months (fiscal quarters are): `whole_months` says whether they are; the
callers fall back to the full aggregate when not.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from webapp.domain.pipeline_metrics import Period
from webapp.models import AccountTotal, DealTotal, User
from webapp.models.aggregates import NO_KEY
from webapp.queries.access import owner_visibility


def whole_months(periods: list[Period]) -> bool:
    """Every period starts on a month's first day and ends on a month's last day."""
    return all(p.start.day == 1 and (p.end + timedelta(days=1)).day == 1 for p in periods)


def in_months(period: Period) -> ColumnElement[bool]:
    """The total's month falls in the (whole-month) period."""
    return and_(DealTotal.month >= period.start, DealTotal.month <= period.end)


def months_of(periods: list[Period]) -> ColumnElement[bool]:
    return and_(DealTotal.month >= min(p.start for p in periods),
                DealTotal.month <= max(p.end for p in periods))


def owner_loads(session: Session, user: User) -> dict[int, tuple[int, int, int, object]]:
    """Per owner of accounts `user` may see: (accounts, customers, potential, open qualified
    pipeline), from account_totals (a row per owner and territory)."""
    rows = session.execute(
        select(AccountTotal.owner_key, func.sum(AccountTotal.accounts),
               func.sum(AccountTotal.customers), func.sum(AccountTotal.potential),
               func.sum(AccountTotal.pipeline))
        .where(owner_visibility(user, AccountTotal.owner_key),
               AccountTotal.owner_key != NO_KEY)
        .group_by(AccountTotal.owner_key))
    return {owner: (n, customers, potential, amount)
            for owner, n, customers, potential, amount in rows if n}


def territory_account_counts(session: Session, territory_ids: list[int]) -> dict[int, int]:
    """Territory id -> number of accounts designed into it (whoever owns them)."""
    if not territory_ids:
        return {}
    rows = session.execute(
        select(AccountTotal.territory_key, func.sum(AccountTotal.accounts))
        .where(AccountTotal.territory_key.in_(territory_ids))
        .group_by(AccountTotal.territory_key))
    return {territory: int(n) for territory, n in rows if n}
