"""Moving house: every row of every table from one database to another (SQLite to PostgreSQL).

The target's schema comes from the migrations, so it is exactly what a fresh install has.
Tables are copied parents first; a table that points at itself (users.manager_id) is copied
without those links, which are set once every row exists. Sequences are then moved past the
largest id, so the next row inserted does not collide. All in one transaction on the target:
a failed copy leaves it empty."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, bindparam, create_engine, func, inspect, select, text, update

from webapp.database import upgrade_database
from webapp.models import Base

BATCH = 1000


class CopyRefused(RuntimeError):
    """The copy would lose or mix data: nothing was written."""


def copy_database(source_url: str, target_url: str,
                  progress: Callable[[str], None] = lambda _line: None) -> dict[str, int]:
    """Copy all rows; the number copied per table. CopyRefused if the target has rows or the
    source has a table this version does not know."""
    source = create_engine(source_url)
    try:
        _check_source(source)
        upgrade_database(target_url)
        target = create_engine(target_url)
        try:
            return _copy(source, target, progress)
        finally:
            target.dispose()
    finally:
        source.dispose()


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _check_source(source) -> None:
    known = {t.name for t in _tables()} | {"alembic_version"}
    unknown = sorted(set(inspect(source).get_table_names()) - known)
    if unknown:
        raise CopyRefused("The source has tables this version does not know: "
                          + ", ".join(unknown) + ". Upgrade first (groundwork init-db).")


def _self_links(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _copy(source, target, progress) -> dict[str, int]:
    counts: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        for table in _tables():
            if dst.scalar(select(func.count()).select_from(table)):
                raise CopyRefused(f"The target database already has {table.name}: copy into an "
                                  f"empty database.")
        for table in _tables():
            counts[table.name] = _copy_table(src, dst, table)
            progress(f"{table.name}: {counts[table.name]:,} rows")
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst)
    return counts


def _copy_table(src, dst, table: Table) -> int:
    links = _self_links(table)
    key = list(table.primary_key.columns)
    rows = src.execute(select(table).order_by(*key)).mappings()
    later = []
    copied = 0
    while batch := rows.fetchmany(BATCH):
        values = [dict(row) for row in batch]
        if links:
            later += [{**{f"_{c.name}": row[c.name] for c in key},
                       **{f"_set_{c}": row[c] for c in links}} for row in values if any(row[c] for c in links)]
            values = [{**row, **{c: None for c in links}} for row in values]
        dst.execute(table.insert(), values)
        copied += len(values)
    if later:
        statement = (update(table)
                     .where(*[c == bindparam(f"_{c.name}") for c in key])
                     .values({c: bindparam(f"_set_{c}") for c in links}))
        dst.execute(statement, later)
    return copied


def _reset_sequences(dst) -> None:
    for table in _tables():
        for column in table.primary_key.columns:
            sequence = dst.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                  {"t": table.name, "c": column.name})
            if sequence:
                dst.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                                 f'FROM "{table.name}"), 0) + 1, false)'), {"s": sequence})
