"""Per-owner totals the manager pages read instead of aggregating every deal and account on
each visit (issue 13: the team and territory pages summed everything, 240-770 ms at 60,000
accounts). Kept exact in the transaction of every write:

- `deal_totals`: per owner of a deal, its stage, currency, qualified flag and month (the month
  of `close_on` for an open deal, of `closed_at` for a won one), how many deals and their
  amount. Open and won deals only. The pipeline pages' quotas/won/coverage/stage figures sum
  these few rows (`webapp.queries.totals`); every period they ask about is whole months.
- `account_totals`: per account owner and territory (0 for none): accounts, customers,
  summed potential and open qualified pipeline (any currency, as the balance table shows it).
- `totals_owners`: one row per owner key, updated first when the owner's totals are rebuilt:
  its row lock makes two transactions rebuilding the same owner take turns, so the later one
  (reading after the first committed) writes totals that include both writes.

How they stay exact: after each flush the owners touched are noted (a deal or account added,
deleted, or changed in a field the totals read: old and new owner both); bulk statements that
bypass the ORM note their rows with `note_rows` (imports, undo, qualification rules) or ask
for `note_everything`. Before the commit, the noted owners' rows are rebuilt from the deals
and accounts as they now are (a few hundred rows per owner, by the owner indexes): never an
increment that could drift. Services need not know about it otherwise.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Numeric,
    String,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    false,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.expression import FunctionElement

from webapp.models.accounts import Account
from webapp.models.base import Base
from webapp.models.people import User
from webapp.models.selling import OPEN_STAGES, Opportunity

NO_KEY = 0  # the owner or territory key of "none"


class DealTotal(Base):
    __tablename__ = "deal_totals"

    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    qualified: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    deals: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))


class AccountTotal(Base):
    __tablename__ = "account_totals"

    owner_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: no owner
    territory_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: no territory
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    potential: Mapped[int] = mapped_column(Integer, default=0)
    pipeline: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))


class TotalsOwner(Base):
    __tablename__ = "totals_owners"

    owner_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class month_start(FunctionElement):
    """The first day of the month of a date or datetime, on SQLite and PostgreSQL."""

    type = Date()
    inherit_cache = True
    name = "month_start"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, 'start of month')"


@compiles(month_start)
def _month_start_default(element, compiler, **kw):
    value = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(date_trunc('month', CAST({value} AS TIMESTAMP)) AS DATE)"


# --- what a write touched ---------------------------------------------------------------------
# Two sides, rebuilt apart: a deal's owner's deal_totals (any field they read changed), and its
# account's owner's account_totals (only when the deal's open qualified amount on an account
# changed: a stage tap between open stages leaves the balance table as it was).

DEAL_FIELDS = ("owner_id", "account_id", "stage", "amount", "currency", "close_on",
               "qualified", "closed_at")
ACCOUNT_FIELDS = ("owner_id", "territory_id", "status", "potential")
_DEAL_OWNERS = "totals.deal_owners"  # session.info: owner keys whose deal_totals to rebuild
_ACCOUNT_OWNERS = "totals.account_owners"  # owner keys whose account_totals to rebuild
_ACCOUNTS = "totals.accounts"  # account ids whose owner's account_totals to rebuild
_DEALS = "totals.deals"  # deal ids written in bulk (both sides, owners looked up at commit)
_ALL = "totals.all"
_KEYS = (_DEAL_OWNERS, _ACCOUNT_OWNERS, _ACCOUNTS, _DEALS, _ALL)


def _keys(obj, name: str) -> set[int]:
    """The attribute's value now and before this flush; None as 0."""
    state = inspect(obj)
    history = state.attrs[name].history
    values = (*history.added, *history.unchanged, *history.deleted) if history else ()
    if not values:
        values = (state.dict.get(name),)
    return {v if isinstance(v, int) else NO_KEY for v in values}


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _before_and_now(obj, name: str):
    """(value before this flush, value now) of one attribute."""
    state = inspect(obj)
    history = state.attrs[name].history
    now = state.dict.get(name)
    if history.deleted:
        return history.deleted[0], now
    return now, now


def _pipeline_moves(obj) -> set[int]:
    """The accounts whose open qualified pipeline this changed deal changes (before, now)."""
    fields = ("account_id", "stage", "qualified", "amount")
    before, now = zip(*(_before_and_now(obj, name) for name in fields))

    def counted(account_id, stage, qualified, amount):
        return (account_id, amount if stage in OPEN_STAGES and qualified else 0)

    old, new = counted(*before), counted(*now)
    if old == new:
        return set()
    return {a for a, amount in (old, new) if a is not None and (amount or old[0] != new[0])}


def _noted(db_session, key: str) -> set[int]:
    return db_session.info.setdefault(key, set())


@event.listens_for(OrmSession, "after_flush")
def _note_flushed(db_session, _flush_context) -> None:
    deal_owners, account_owners, accounts = set(), set(), set()
    dirty = {id(o) for o in db_session.dirty if isinstance(o, (Account, Opportunity))}
    changed = [o for o in db_session.dirty if id(o) in dirty]
    for obj in (*db_session.new, *db_session.deleted, *changed):
        if isinstance(obj, Opportunity):
            if id(obj) in dirty:
                if not _changed(obj, DEAL_FIELDS):
                    continue
                accounts |= _pipeline_moves(obj)
            else:
                accounts |= _keys(obj, "account_id")
            deal_owners |= _keys(obj, "owner_id")
        elif isinstance(obj, Account):
            if id(obj) in dirty and not _changed(obj, ACCOUNT_FIELDS):
                continue
            account_owners |= _keys(obj, "owner_id")
    for key, found in ((_DEAL_OWNERS, deal_owners), (_ACCOUNT_OWNERS, account_owners),
                       (_ACCOUNTS, accounts - {NO_KEY})):
        if found:
            _noted(db_session, key).update(found)


def _chunks(ids, size: int = 500):
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _owners_of(db_session, accounts: set[int], deals: set[int]) -> set[int]:
    """The owner keys of these accounts, and of these deals and their accounts, as they are."""
    found: set[int] = set()
    for chunk in _chunks(accounts):
        found |= {o or NO_KEY for o in db_session.scalars(
            select(Account.owner_id).where(Account.id.in_(chunk)).distinct())}
    for chunk in _chunks(deals):
        rows = db_session.execute(
            select(Opportunity.owner_id, Account.owner_id)
            .join(Account, Account.id == Opportunity.account_id)
            .where(Opportunity.id.in_(chunk)).distinct())
        for deal_owner, account_owner in rows:
            found |= {deal_owner or NO_KEY, account_owner or NO_KEY}
    return found


def note_rows(db_session, model, ids) -> None:
    """A bulk statement (not the ORM's unit of work) is about to write, or just wrote, these
    rows of `model`: their owners now, and their owners at commit, get their totals rebuilt.
    Call it before an UPDATE or DELETE (to catch the owners they had) — after an INSERT works
    too. Other models are ignored."""
    ids = {i for i in ids if i is not None}
    if not ids or model not in (Account, Opportunity):
        return
    accounts, deals = (ids, set()) if model is Account else (set(), ids)
    note_owners(db_session, _owners_of(db_session, accounts, deals))
    _noted(db_session, _ACCOUNTS if model is Account else _DEALS).update(ids)


def note_owners(db_session, owner_ids) -> None:
    """These owners' totals are rebuilt at commit (None: the accounts with no owner)."""
    keys = {o or NO_KEY for o in owner_ids}
    _noted(db_session, _DEAL_OWNERS).update(keys)
    _noted(db_session, _ACCOUNT_OWNERS).update(keys)


def note_everything(db_session) -> None:
    """Rebuild every owner's totals at commit (a write across the whole team)."""
    db_session.info[_ALL] = True


@event.listens_for(OrmSession, "before_commit")
def _rebuild_noted(db_session) -> None:
    info = db_session.info
    db_session.flush()  # the commit's own flush comes after this event: note its writes too
    if not any(info.get(k) for k in _KEYS):
        return
    deal_owners = info.pop(_DEAL_OWNERS, set())
    account_owners = info.pop(_ACCOUNT_OWNERS, set())
    account_owners |= _owners_of(db_session, info.pop(_ACCOUNTS, set()), set())
    both = _owners_of(db_session, set(), info.pop(_DEALS, set()))
    if info.pop(_ALL, False):
        rebuild(db_session)
    else:
        rebuild(db_session, deal_owners | both, account_owners | both)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget(db_session, transaction) -> None:
    if transaction.parent is None:
        for key in _KEYS:
            db_session.info.pop(key, None)


# --- rebuilding ---------------------------------------------------------------------------------

def _dialect(connection) -> str:
    bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
    return bind.dialect.name


def _upsert(connection):
    if _dialect(connection) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    return upsert


def _lock_owners(connection, keys: list[int] | None) -> None:
    """Make sure each owner has its row in totals_owners and lock those rows (sorted, so two
    transactions never wait on each other in a circle): one upsert that bumps the version."""
    upsert = _upsert(connection)
    if keys is None:
        wanted = sorted({NO_KEY, *connection.execute(select(User.id)).scalars()})
        for chunk in _chunks(wanted):
            connection.execute(upsert(TotalsOwner).values([{"owner_key": k} for k in chunk])
                               .on_conflict_do_nothing(index_elements=["owner_key"]))
        connection.execute(update(TotalsOwner).values(version=TotalsOwner.version + 1))
        return
    for chunk in _chunks(keys):
        statement = upsert(TotalsOwner).values([{"owner_key": k} for k in chunk])
        connection.execute(statement.on_conflict_do_update(
            index_elements=["owner_key"], set_={"version": TotalsOwner.version + 1}))


def _shape(keys: list[int] | None):
    """What a statement for these owner keys looks like: None (everyone), or (some real
    owners, the no-owner key): the owners themselves are a parameter (`_owner_params`)."""
    return None if keys is None else (any(k != NO_KEY for k in keys), NO_KEY in keys)


def _owner_params(keys: list[int] | None) -> dict:
    return {} if keys is None else {"owner_keys": [k for k in keys if k != NO_KEY]}


def _owner_filter(column, shape, no_owner):
    """`column` among the owners of this shape (`_shape`), the real ones as the expanding
    parameter "owner_keys"; `no_owner` is how the column says none (NULL, or the key 0)."""
    if shape is None:
        return true()
    real, none = shape
    condition = column.in_(bindparam("owner_keys", expanding=True)) if real else false()
    return or_(condition, no_owner) if none else condition


def deal_totals_select(shape=None):
    """The deal_totals rows of the owners of this shape (None: everyone), computed from the
    deals."""
    won = Opportunity.stage == "won"
    per_deal = (
        select(Opportunity.owner_id.label("owner_id"), Opportunity.stage.label("stage"),
               Opportunity.currency.label("currency"),
               func.coalesce(Opportunity.qualified, False).label("qualified"),
               case((won, month_start(Opportunity.closed_at)),
                    else_=month_start(Opportunity.close_on)).label("month"),
               func.coalesce(Opportunity.amount, 0).label("amount"))
        .where(_owner_filter(Opportunity.owner_id, shape, Opportunity.owner_id.is_(None)),
               Opportunity.owner_id.is_not(None),
               or_(Opportunity.stage.in_(OPEN_STAGES),
                   and_(won, Opportunity.closed_at.is_not(None))))
        .subquery())
    c = per_deal.c
    return (select(c.owner_id, c.stage, c.currency, c.qualified, c.month, func.count(),
                   func.sum(c.amount))
            .group_by(c.owner_id, c.stage, c.currency, c.qualified, c.month))


def account_totals_select(shape=None):
    """The account_totals rows of the owners of this shape (None: every account). Each account's open
    qualified pipeline is looked up by its deals' account index (a few deals per account),
    not by scanning every open deal."""
    owner_key = func.coalesce(Account.owner_id, NO_KEY)
    territory_key = func.coalesce(Account.territory_id, NO_KEY)
    open_qualified = and_(Opportunity.stage.in_(OPEN_STAGES), Opportunity.qualified.is_(True))
    if shape is None:  # everyone: one pass over the open deals, summed per account
        sums = (select(Opportunity.account_id.label("account_id"),
                       func.sum(Opportunity.amount).label("amount"))
                .where(open_qualified).group_by(Opportunity.account_id).subquery())
        pipeline, source = sums.c.amount, Account.__table__.outerjoin(
            sums, sums.c.account_id == Account.id)
    else:
        pipeline = (select(func.sum(Opportunity.amount))
                    .where(Opportunity.account_id == Account.id, open_qualified)
                    .correlate(Account).scalar_subquery())
        source = Account.__table__
    per_account = (
        select(owner_key.label("owner_key"), territory_key.label("territory_key"),
               case((Account.status == "customer", 1), else_=0).label("customer"),
               func.coalesce(Account.potential, 0).label("potential"),
               func.coalesce(pipeline, 0).label("pipeline"))
        .select_from(source)
        .where(_owner_filter(Account.owner_id, shape, Account.owner_id.is_(None)))
        .subquery())
    c = per_account.c
    return (select(c.owner_key, c.territory_key, func.count(), func.sum(c.customer),
                   func.sum(c.potential), func.sum(c.pipeline))
            .group_by(c.owner_key, c.territory_key))


def rebuild(connection, owner_keys=None, account_owner_keys=None) -> None:
    """Recompute totals from the deals and accounts, in the caller's transaction: the
    deal_totals of `owner_keys` and the account_totals of `account_owner_keys` (the same keys
    when not given; `owner_keys` None: everyone's). `connection`: a Session or a Connection."""
    if owner_keys is None:
        deal_keys = account_keys = None
    else:
        deal_keys = sorted(set(owner_keys))
        account_keys = deal_keys if account_owner_keys is None else sorted(
            set(account_owner_keys))
        if not deal_keys and not account_keys:
            return
    _lock_owners(connection, None if deal_keys is None else sorted({*deal_keys, *account_keys}))
    if deal_keys is None or deal_keys:
        for statement in _rebuild_statements("deal", _shape(deal_keys)):
            connection.execute(statement, _owner_params(deal_keys))
    if account_keys is None or account_keys:
        for statement in _rebuild_statements("account", _shape(account_keys)):
            connection.execute(statement, _owner_params(account_keys))


_STATEMENTS: dict = {}


def _rebuild_statements(side: str, shape):
    """The DELETE and INSERT ... SELECT that rebuild one side's rows for owners of this shape,
    on the tables (Core statements: given parameters, an ORM insert would be a bulk insert),
    built once (building them cost more than running them: a rebuild runs at every commit that
    touched a deal or an account)."""
    built = _STATEMENTS.get((side, shape))
    if built is None:
        if side == "deal":
            built = (delete(DealTotal.__table__).where(_owner_filter(
                         DealTotal.owner_id, shape, DealTotal.owner_id.is_(None))),
                     insert(DealTotal.__table__).from_select(
                         ["owner_id", "stage", "currency", "qualified", "month", "deals",
                          "amount"], deal_totals_select(shape)))
        else:  # account_totals keep "no owner" as the key 0, not as NULL
            built = (delete(AccountTotal.__table__).where(_owner_filter(
                         AccountTotal.owner_key, shape, AccountTotal.owner_key == NO_KEY)),
                     insert(AccountTotal.__table__).from_select(
                         ["owner_key", "territory_key", "accounts", "customers", "potential",
                          "pipeline"], account_totals_select(shape)))
        _STATEMENTS[(side, shape)] = built
    return built
