"""CSV export as text lines, with column names our import (and other CRMs) recognise.

Every cell goes through mapping.safe_cell(), so a spreadsheet never runs one as a formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from webapp.domain.csv_mapping import safe_cell

# (column name, row key) per kind; the names follow Salesforce's so a re-import maps itself.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "accounts": (
        ("Account ID", "external_id"), ("Account Name", "name"), ("Industry", "industry"),
        ("Segment", "segment"), ("Type", "status"), ("Billing Street", "street"),
        ("Billing City", "city"), ("Billing State/Province", "region"),
        ("Billing Zip/Postal Code", "postal_code"), ("Billing Country", "country"),
        ("Phone", "phone"), ("Website", "website"), ("Potential", "potential"),
        ("Account Owner", "owner_email"), ("Groundwork ID", "uuid"),
    ),
    "contacts": (
        ("Contact ID", "external_id"), ("Account ID", "account_external_id"),
        ("Account Name", "account_name"), ("Full Name", "name"), ("Title", "title"),
        ("Email", "email"), ("Phone", "phone"), ("Groundwork ID", "uuid"),
    ),
    "opportunities": (
        ("Opportunity ID", "external_id"), ("Account ID", "account_external_id"),
        ("Account Name", "account_name"), ("Opportunity Name", "name"), ("Stage", "stage"),
        ("Amount", "amount"), ("Currency", "currency"), ("Close Date", "close_on"),
        ("Next Step", "next_step"), ("Opportunity Owner", "owner_email"),
        ("Groundwork ID", "uuid"),
    ),
}


def csv_lines(kind: str, rows: Iterable[Any]) -> Iterator[str]:
    """The header and one line per row (objects or mappings with the COLUMNS keys), starting
    with a UTF-8 byte-order mark so that Excel reads accents right."""
    columns = COLUMNS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([safe_cell(name) for name, _ in columns])
    yield "\ufeff" + take()
    for row in rows:
        get = row.get if hasattr(row, "get") else lambda key, r=row: getattr(r, key)
        writer.writerow([safe_cell(get(key)) for _, key in columns])
        yield take()
