"""Reading CRM exports: encodings, delimiters, column names and cell values, as plain functions.

No Flask, no database: the import service (webapp/services/imports/) checks what needs the
database (existing external ids, accounts, owners). Column names follow Salesforce's and
HubSpot's standard exports; a column we do not know is mapped by the user (or ignored).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from webapp.models.accounts import SEGMENTS
from webapp.models.selling import STAGES

KINDS = ("accounts", "contacts", "opportunities")
KIND_LABELS = {"accounts": "Accounts", "contacts": "Contacts", "opportunities": "Opportunities"}
IGNORE = ""

# The fields a column can be mapped to, per kind, with the label the mapping step shows.
FIELDS: dict[str, dict[str, str]] = {
    "accounts": {
        "external_id": "ID in the other system", "name": "Account name", "industry": "Industry",
        "segment": "Segment", "status": "Type (prospect or customer)", "street": "Street",
        "city": "City", "region": "State or region", "postal_code": "Postal code",
        "country": "Country", "phone": "Phone", "website": "Website",
        "potential": "Potential (0-100)", "owner": "Owner (e-mail or name)",
    },
    "contacts": {
        "external_id": "ID in the other system", "account_external_id": "Account's ID",
        "account_name": "Account name", "name": "Full name", "first_name": "First name",
        "last_name": "Last name", "title": "Job title", "email": "E-mail", "phone": "Phone",
    },
    "opportunities": {
        "external_id": "ID in the other system", "account_external_id": "Account's ID",
        "account_name": "Account name", "name": "Opportunity name", "stage": "Stage",
        "amount": "Amount", "currency": "Currency", "close_on": "Close date",
        "next_step": "Next step", "owner": "Owner (e-mail or name)",
    },
}

# Column lengths of the tables (a longer value is an error, not a silent cut).
MAX_LENGTHS = {"external_id": 64, "name": 200, "industry": 80, "street": 200, "city": 100,
               "region": 100, "postal_code": 20, "phone": 40, "website": 200, "title": 160,
               "email": 254, "next_step": 500, "account_name": 200, "account_external_id": 64}
_CONTACT_NAME_MAX = 160

_ID_HEADERS = ("id", "external id", "record id")
# Normalised header -> field, per kind. Salesforce first, then HubSpot, then plain names.
HEADERS: dict[str, dict[str, str]] = {
    "accounts": {
        **dict.fromkeys(_ID_HEADERS + ("account id", "company id"), "external_id"),
        **dict.fromkeys(("account name", "company name", "company", "name"), "name"),
        "industry": "industry", "segment": "segment",
        **dict.fromkeys(("type", "account type", "lifecycle stage", "status"), "status"),
        **dict.fromkeys(("billing street", "street address", "street", "address"), "street"),
        **dict.fromkeys(("billing city", "city"), "city"),
        **dict.fromkeys(("billing state/province", "billing state", "state/region", "state",
                         "region", "state/province"), "region"),
        **dict.fromkeys(("billing zip/postal code", "billing postal code", "postal code",
                         "zip", "zip code", "zip/postal code"), "postal_code"),
        **dict.fromkeys(("billing country", "country/region", "country"), "country"),
        **dict.fromkeys(("phone", "phone number", "account phone", "company phone"), "phone"),
        **dict.fromkeys(("website", "website url", "company domain name", "domain"), "website"),
        **dict.fromkeys(("potential", "potential score"), "potential"),
        **dict.fromkeys(("account owner", "account owner email", "company owner", "owner",
                         "owner email"), "owner"),
    },
    "contacts": {
        **dict.fromkeys(_ID_HEADERS + ("contact id",), "external_id"),
        **dict.fromkeys(("account id", "associated company id", "company id",
                         "associated company id (primary)"), "account_external_id"),
        **dict.fromkeys(("account name", "associated company", "company name", "company",
                         "associated company (primary)"), "account_name"),
        **dict.fromkeys(("full name", "name", "contact name"), "name"),
        "first name": "first_name", "last name": "last_name",
        **dict.fromkeys(("title", "job title"), "title"),
        **dict.fromkeys(("email", "email address", "e-mail"), "email"),
        **dict.fromkeys(("phone", "phone number", "business phone", "mobile", "mobile phone",
                         "mobile phone number"), "phone"),
    },
    "opportunities": {
        **dict.fromkeys(_ID_HEADERS + ("opportunity id", "deal id"), "external_id"),
        **dict.fromkeys(("account id", "associated company id", "company id",
                         "associated company id (primary)"), "account_external_id"),
        **dict.fromkeys(("account name", "associated company", "company name", "company",
                         "associated company (primary)"), "account_name"),
        **dict.fromkeys(("opportunity name", "deal name", "name"), "name"),
        **dict.fromkeys(("stage", "deal stage"), "stage"),
        "amount": "amount",
        **dict.fromkeys(("currency", "opportunity currency", "currency code"), "currency"),
        **dict.fromkeys(("close date", "expected close date"), "close_on"),
        "next step": "next_step",
        **dict.fromkeys(("opportunity owner", "deal owner", "owner", "owner email"), "owner"),
    },
}

# Their stage names -> ours. Salesforce's default sales process and HubSpot's default deal
# pipeline (labels and internal values), plus everyday words.
_STAGE_WORDS = {
    "first_meeting": ("first meeting", "prospecting", "prospect", "appointment scheduled",
                      "appointmentscheduled", "meeting", "discovery", "new", "lead"),
    "qualified": ("qualified", "qualification", "needs analysis", "qualified to buy",
                  "qualifiedtobuy", "value proposition", "id. decision makers",
                  "id decision makers", "presentation scheduled", "presentationscheduled",
                  "perception analysis", "decision maker bought-in", "decisionmakerboughtin"),
    "proposal": ("proposal", "proposal/price quote", "price quote", "quote", "proposal sent"),
    "negotiation": ("negotiation", "negotiation/review", "contract sent", "contractsent",
                    "review", "negotiating"),
    "won": ("won", "closed won", "closedwon", "closed/won", "closed - won"),
    "lost": ("lost", "closed lost", "closedlost", "closed/lost", "closed - lost"),
}
STAGE_SYNONYMS = {word: stage for stage, words in _STAGE_WORDS.items() for word in words}

COUNTRIES = {
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.": "US",
    "u.s.a.": "US", "america": "US", "canada": "CA", "mexico": "MX", "united kingdom": "GB",
    "uk": "GB", "great britain": "GB", "england": "GB", "ireland": "IE", "germany": "DE",
    "deutschland": "DE", "france": "FR", "spain": "ES", "españa": "ES", "italy": "IT",
    "italia": "IT", "netherlands": "NL", "the netherlands": "NL", "belgium": "BE",
    "switzerland": "CH", "austria": "AT", "sweden": "SE", "norway": "NO", "denmark": "DK",
    "finland": "FI", "poland": "PL", "portugal": "PT", "brazil": "BR", "australia": "AU",
    "new zealand": "NZ", "japan": "JP", "china": "CN", "india": "IN", "singapore": "SG",
}


# --- the file ---------------------------------------------------------------------------------

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with byte-order mark)",
                   "utf-16": "UTF-16", "cp1252": "Windows-1252 (Western European)",
                   "latin-1": "ISO-8859-1 (Latin-1)"}


def detect_encoding(stream: BinaryIO, chunk_size: int = 1 << 16) -> str:
    """The file's encoding: UTF-8 (with or without BOM) when every byte decodes as UTF-8, else
    Windows-1252 (what Excel on Windows writes), else Latin-1 (which decodes any byte).

    Reads the whole stream in chunks (a file that is UTF-8 for 10 MB and then has one
    Windows-1252 byte is not UTF-8) and rewinds it."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    found = "latin-1"
    for candidate in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(candidate)()
        try:
            while chunk := stream.read(chunk_size):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            stream.seek(0)
            continue
        found = candidate
        break
    stream.seek(0)
    if found == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return found


def sniff_delimiter(first_line: str) -> str:
    """Comma, semicolon (Excel in much of Europe) or tab: whichever the header line has most
    of outside quotes; comma when it has none."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def normalise_header(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").replace("_", " ").split()).lower()


def guess_mapping(kind: str, headers: list[str]) -> list[str | None]:
    """Per column, the field it maps to, or None for a column we do not recognise.

    A field is taken by its first column only (a second "Phone" column is left to the user)."""
    known = HEADERS[kind]
    taken: set[str] = set()
    mapping: list[str | None] = []
    for header in headers:
        target = known.get(normalise_header(header))
        if target in taken:
            target = None
        if target:
            taken.add(target)
        mapping.append(target)
    return mapping


def guess_kind(headers: list[str]) -> str:
    """Accounts, contacts or opportunities, from the columns an export has."""
    names = {normalise_header(h) for h in headers}
    if names & {"opportunity name", "deal name", "stage", "deal stage", "close date"}:
        return "opportunities"
    if names & {"first name", "last name", "contact id", "job title", "full name"}:
        return "contacts"
    return "accounts"


def mapping_problems(kind: str, mapping: list[str]) -> list[str]:
    """What is wrong with a mapping as a whole: a field mapped twice, a required one missing."""
    problems = []
    used = [f for f in mapping if f]
    for field_name in sorted({f for f in used if used.count(f) > 1}):
        problems.append(f"Two columns are mapped to “{FIELDS[kind][field_name]}”: keep one.")
    has = set(used)
    if kind == "contacts":
        if "name" not in has and not has & {"first_name", "last_name"}:
            problems.append("Map a column to “Full name”, or to “First name” and “Last name”.")
    elif "name" not in has:
        problems.append(f"Map a column to “{FIELDS[kind]['name']}”.")
    if kind == "opportunities" and "close_on" not in has:
        problems.append("Map a column to “Close date”.")
    if kind != "accounts" and not has & {"account_external_id", "account_name"}:
        problems.append("Map a column to “Account's ID” or “Account name”, so each row "
                        "finds its account.")
    return problems


@dataclass
class Row:
    """One data row of the file: its line number (the header is line 1), the cleaned values
    of the mapped fields, and what is wrong with it."""

    line: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


class FileProblem(ValueError):
    """The file as a whole cannot be read (not CSV, a quote never closed, no header)."""


class _TextWithoutNul(io.TextIOWrapper):
    """Lines with NUL characters dropped: no spreadsheet means one, and PostgreSQL refuses
    NUL in text, so one left in a cell would fail the import there (SQLite would store it)."""

    def readline(self, size: int = -1) -> str:
        return super().readline(size).replace("\x00", "")

    def __next__(self) -> str:
        return super().__next__().replace("\x00", "")


def open_text(source: bytes | Path, encoding: str) -> TextIO:
    """The file as text: `source` is its bytes (an upload kept in the database) or a path."""
    raw = (io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview))
           else open(source, "rb"))
    return _TextWithoutNul(raw, encoding=encoding, newline="")


def read_header(source: bytes | Path, encoding: str) -> tuple[list[str], str]:
    """(column names, delimiter) of the file."""
    with open_text(source, encoding) as handle:
        first = handle.readline()
    if not first.strip():
        raise FileProblem("The file is empty, or its first line is blank: it needs a header "
                          "line naming the columns.")
    delimiter = sniff_delimiter(first)
    try:
        headers = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration) as error:
        raise FileProblem(f"Line 1 is not a CSV header: {error}.") from None
    return [h.replace("\ufeff", "").strip() for h in headers], delimiter


def read_rows(source: bytes | Path, encoding: str, delimiter: str, kind: str,
              mapping: list[str], day_first: bool = False) -> Iterator[Row]:
    """Each data row, parsed and checked on its own (no database), one at a time."""
    decimal_comma = delimiter == ";"
    with open_text(source, encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            next(reader)
            previous_end = reader.line_num
            for cells in reader:
                line, previous_end = previous_end + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                yield map_row(kind, mapping, cells, line, day_first=day_first,
                              decimal_comma=decimal_comma)
        except csv.Error as error:
            raise FileProblem(f"Line {reader.line_num + 1} cannot be read as CSV ({error}). "
                              "Is a quote left open?") from None


def map_row(kind: str, mapping: list[str], cells: list[str], line: int, *,
            day_first: bool = False, decimal_comma: bool = False) -> Row:
    """One row's cells -> cleaned values of the mapped fields, with an error per bad cell.

    Blank cells are left out: on an update they keep the value we have."""
    row = Row(line, {})
    if len(cells) > len(mapping) and any(c.strip() for c in cells[len(mapping):]):
        row.errors.append(f"has {len(cells)} cells but the header names {len(mapping)} columns")
    for index, target in enumerate(mapping):
        if not target or index >= len(cells):
            continue
        raw = cells[index].strip()
        if not raw:
            continue
        try:
            row.values[target] = parse_value(target, raw, day_first=day_first,
                                             decimal_comma=decimal_comma)
        except ValueError as error:
            row.errors.append(f"{FIELDS[kind][target]}: {error}")
    if kind == "contacts" and "name" not in row.values:
        full = " ".join(row.values[p] for p in ("first_name", "last_name") if p in row.values)
        if full:
            row.values["name"] = full
    row.values.pop("first_name", None)
    row.values.pop("last_name", None)
    if kind == "contacts" and len(row.values.get("name", "")) > _CONTACT_NAME_MAX:
        row.errors.append(f"Full name: longer than {_CONTACT_NAME_MAX} characters")
    if "name" not in row.values:
        row.errors.append("the name is missing")
    if kind == "opportunities" and "close_on" not in row.values \
            and not any(e.startswith("Close date") for e in row.errors):
        row.errors.append("the close date is missing")
    return row


# --- cell values ------------------------------------------------------------------------------

def parse_value(target: str, raw: str, *, day_first: bool = False,
                decimal_comma: bool = False) -> Any:
    """A cell's text as the value of `target`; ValueError says what is wrong in plain words."""
    if target == "stage":
        return parse_stage(raw)
    if target == "amount":
        return parse_amount(raw, decimal_comma=decimal_comma)
    if target == "close_on":
        return parse_date(raw, day_first=day_first)
    if target == "potential":
        return parse_potential(raw)
    if target == "country":
        return parse_country(raw)
    if target == "segment":
        return parse_segment(raw)
    if target == "status":
        return "customer" if "customer" in raw.lower() else "prospect"
    if target == "currency":
        if not re.fullmatch(r"[A-Za-z]{3}", raw):
            raise ValueError(f"“{raw}” is not a three-letter currency code (USD, EUR)")
        return raw.upper()
    if target == "email" and "@" not in raw:
        raise ValueError(f"“{raw}” is not an e-mail address")
    text = " ".join(raw.split()) if target not in ("next_step",) else raw
    limit = MAX_LENGTHS.get(target)
    if limit and len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    return text


def parse_stage(raw: str) -> str:
    """Their stage name -> ours ('Closed Won' -> 'won', 'qualifiedtobuy' -> 'qualified')."""
    key = " ".join(raw.replace("_", " ").split()).lower()
    if key in STAGES:
        return key
    stage = STAGE_SYNONYMS.get(key) or STAGE_SYNONYMS.get(key.replace(" ", ""))
    if stage is None:
        raise ValueError(f"unknown stage “{raw}” (use first meeting, qualified, proposal, "
                         "negotiation, won or lost)")
    return stage


_CURRENCY_AROUND = re.compile(r"^[A-Za-z]{0,3}[$€£¥]?|[$€£¥]?[A-Za-z]{0,3}$")


def parse_amount(raw: str, *, decimal_comma: bool = False) -> Decimal:
    """'$1,250,000.50', '1.250.000,50 €', '1250000' -> Decimal. With `decimal_comma` (a
    semicolon-separated file) a lone comma is the decimal separator, else a thousands one."""
    text = "".join(raw.replace("'", "").split())  # spaces, no-break spaces, 1'000
    text = _CURRENCY_AROUND.sub("", text)
    if not re.fullmatch(r"-?[\d.,]*\d[\d.,]*", text):
        raise ValueError(f"“{raw}” is not an amount")
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_sep = "," if decimal_comma and text.count(",") == 1 else "."
        if decimal_sep == "." and not re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
            raise ValueError(f"“{raw}” is not an amount")
    elif text.count(".") > 1:
        decimal_sep = ","  # 1.250.000: dots group thousands
    else:
        decimal_sep = "."
    thousands = "." if decimal_sep == "," else ","
    text = text.replace(thousands, "").replace(decimal_sep, ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{raw}” is not an amount") from None
    if not value.is_finite() or value < 0 or value > Decimal("999999999999.99"):
        raise ValueError(f"“{raw}” is not an amount of 0 or more")
    return value.quantize(Decimal("0.01"))


def parse_date(raw: str, *, day_first: bool = False) -> date:
    """'2026-12-31', '2026-12-31 00:00', '12/31/2026' (US, or 31/12/2026 with `day_first`, or
    when the first number cannot be a month), '31.12.2026' -> date."""
    text = raw.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text)
    if match:
        parts = (int(match[1]), int(match[2]), int(match[3]))
    else:
        match = re.fullmatch(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})(?:[T ].*)?", text)
        if not match:
            raise ValueError(f"“{raw}” is not a date (use 2026-12-31)")
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        year += 2000 if year < 100 else 0
        dayfirst = day_first or match[2] == "." or first > 12
        parts = (year, second, first) if dayfirst else (year, first, second)
    try:
        return date(*parts)
    except ValueError:
        raise ValueError(f"“{raw}” is not a date (use 2026-12-31)") from None


def parse_potential(raw: str) -> int:
    try:
        value = round(float(raw.replace(",", ".").rstrip("%")))
    except ValueError:
        raise ValueError(f"“{raw}” is not a number from 0 to 100") from None
    if not 0 <= value <= 100:
        raise ValueError(f"“{raw}” is not a number from 0 to 100")
    return value


def parse_country(raw: str) -> str:
    text = raw.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    code = COUNTRIES.get(" ".join(text.split()).lower())
    if code is None:
        raise ValueError(f"“{raw}” is not a country we know: use its two-letter code (US, DE)")
    return code


def parse_segment(raw: str) -> str:
    key = raw.strip().lower().replace(" ", "").replace("-", "")
    for segment in SEGMENTS:
        if segment.lower().replace("-", "") == key:
            return segment
    raise ValueError(f"“{raw}” is not a segment (use {', '.join(SEGMENTS)})")


# --- export -----------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as an export cell that a spreadsheet shows as text, never runs as a formula
    (OWASP's CSV injection advice: prefix a single quote)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ", timespec="minutes")
    elif isinstance(value, (date, Decimal)):
        text = str(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def display(value: Any) -> str:
    """A parsed value as the preview shows it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)
