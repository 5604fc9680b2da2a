"""Reading other CRMs' exports: encodings, delimiters, column names, stages, values."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from webapp.domain import csv_mapping as m
from webapp.imports.csv_export import csv_lines


def test_salesforce_account_columns_map_to_our_fields():
    headers = ["Account ID", "Account Name", "Billing City", "Billing State/Province",
               "Billing Zip/Postal Code", "Billing Country", "Industry", "Account Owner",
               "Created Date"]
    assert m.guess_mapping("accounts", headers) == [
        "external_id", "name", "city", "region", "postal_code", "country", "industry",
        "owner", None]


def test_hubspot_company_and_deal_columns_map_to_our_fields():
    assert m.guess_mapping("accounts", ["Record ID", "Company name", "City", "State/Region",
                                        "Postal Code", "Phone Number"]) == [
        "external_id", "name", "city", "region", "postal_code", "phone"]
    assert m.guess_mapping("opportunities", ["Record ID", "Deal Name", "Deal Stage",
                                             "Close Date", "Amount", "Associated Company"]) == [
        "external_id", "name", "stage", "close_on", "amount", "account_name"]
    assert m.guess_mapping("contacts", ["Record ID", "First Name", "Last Name", "Job Title",
                                        "Email", "Phone Number", "Associated Company"]) == [
        "external_id", "first_name", "last_name", "title", "email", "phone", "account_name"]


def test_salesforce_opportunity_and_contact_columns_map_to_our_fields():
    assert m.guess_mapping("opportunities", ["Opportunity ID", "Account ID", "Opportunity Name",
                                             "Stage", "Amount", "Close Date", "Next Step"]) == [
        "external_id", "account_external_id", "name", "stage", "amount", "close_on",
        "next_step"]
    assert m.guess_mapping("contacts", ["Contact ID", "Account ID", "First Name", "Last Name",
                                        "Title", "Email", "Phone"]) == [
        "external_id", "account_external_id", "first_name", "last_name", "title", "email",
        "phone"]


def test_the_kind_of_file_is_guessed_from_its_columns():
    assert m.guess_kind(["Deal Name", "Amount"]) == "opportunities"
    assert m.guess_kind(["First Name", "Last Name", "Email"]) == "contacts"
    assert m.guess_kind(["Company name", "City"]) == "accounts"


def test_a_second_column_for_the_same_field_is_left_to_the_user():
    assert m.guess_mapping("accounts", ["Phone", "Phone Number"]) == ["phone", None]
    assert m.mapping_problems("accounts", ["name", "phone", "phone"]) == [
        "Two columns are mapped to “Phone”: keep one."]


def test_a_mapping_without_the_required_fields_says_which_are_missing():
    assert m.mapping_problems("accounts", ["city"]) == ["Map a column to “Account name”."]
    problems = m.mapping_problems("opportunities", ["name"])
    assert "Map a column to “Close date”." in problems
    assert any("Account name" in p for p in problems)
    assert m.mapping_problems("contacts", ["first_name", "last_name", "account_name"]) == []


@pytest.mark.parametrize("theirs, ours", [
    ("Prospecting", "first_meeting"), ("Qualification", "qualified"),
    ("Needs Analysis", "qualified"), ("Proposal/Price Quote", "proposal"),
    ("Negotiation/Review", "negotiation"), ("Closed Won", "won"), ("Closed Lost", "lost"),
    ("appointmentscheduled", "first_meeting"), ("Qualified To Buy", "qualified"),
    ("contractsent", "negotiation"), ("closedwon", "won"), ("first_meeting", "first_meeting"),
    ("  CLOSED   LOST ", "lost"),
])
def test_crm_stage_names_become_our_stages(theirs, ours):
    assert m.parse_stage(theirs) == ours


def test_an_unknown_stage_is_an_error_naming_our_stages():
    with pytest.raises(ValueError, match="unknown stage “Maybe”.*negotiation"):
        m.parse_stage("Maybe")


@pytest.mark.parametrize("text, comma, value", [
    ("1250000", False, "1250000.00"), ("$1,250,000.50", False, "1250000.50"),
    ("1.250.000,50 €", True, "1250000.50"), ("1250,5", True, "1250.50"),
    ("USD 12,000", False, "12000.00"), ("1 250 000", False, "1250000.00"),
])
def test_amounts_in_common_notations(text, comma, value):
    assert m.parse_amount(text, decimal_comma=comma) == Decimal(value)


@pytest.mark.parametrize("text", ["lots", "12,34,5", "-500", "1e999"])
def test_bad_amounts_are_errors(text):
    with pytest.raises(ValueError):
        m.parse_amount(text)


@pytest.mark.parametrize("text, day_first, value", [
    ("2026-12-31", False, date(2026, 12, 31)), ("2026-12-31 00:00", False, date(2026, 12, 31)),
    ("12/31/2026", False, date(2026, 12, 31)), ("03/04/2026", False, date(2026, 3, 4)),
    ("03/04/2026", True, date(2026, 4, 3)), ("31/12/2026", False, date(2026, 12, 31)),
    ("31.12.2026", False, date(2026, 12, 31)), ("1/2/27", False, date(2027, 1, 2)),
])
def test_dates_in_common_notations(text, day_first, value):
    assert m.parse_date(text, day_first=day_first) == value


@pytest.mark.parametrize("text", ["soon", "2026-02-30", "13/13/2026", "31-12"])
def test_bad_dates_are_errors(text):
    with pytest.raises(ValueError, match="not a date"):
        m.parse_date(text)


def test_a_row_with_bad_cells_lists_every_problem_with_its_column():
    mapping = ["name", "stage", "amount", "close_on", "account_name"]
    row = m.map_row("opportunities", mapping, ["", "Closed Won", "lots", "soon", "Acme"], 7)
    assert row.line == 7
    assert row.errors == ["Amount: “lots” is not an amount",
                          "Close date: “soon” is not a date (use 2026-12-31)",
                          "the name is missing"]


def test_contact_names_are_joined_from_first_and_last_name():
    row = m.map_row("contacts", ["first_name", "last_name", "account_name"],
                    ["Ada", "Lovelace", "Acme"], 2)
    assert row.values == {"name": "Ada Lovelace", "account_name": "Acme"}
    assert row.errors == []


def test_country_names_become_codes_and_unknown_ones_are_errors():
    assert m.parse_country("United States") == "US"
    assert m.parse_country("de") == "DE"
    with pytest.raises(ValueError, match="two-letter code"):
        m.parse_country("Atlantis")


def _stream(text: str, encoding: str) -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def test_encoding_is_utf8_with_or_without_bom_else_windows_1252():
    text = "Account Name,Billing City\nCafé Müller,Zürich\n"
    assert m.detect_encoding(_stream(text, "utf-8")) == "utf-8"
    assert m.detect_encoding(_stream(text, "utf-8-sig")) == "utf-8-sig"
    assert m.detect_encoding(_stream(text + "“quoted” – €5\n", "cp1252")) == "cp1252"
    assert m.detect_encoding(io.BytesIO(b"Name\n\x81\x8d\n")) == "latin-1"


def test_a_utf8_file_with_one_late_windows_byte_is_not_read_as_utf8():
    data = ("Name\n" + "Ünïcode ok\n" * 20000).encode() + "Café\n".encode("cp1252")
    assert m.detect_encoding(io.BytesIO(data), chunk_size=1024) == "cp1252"


def test_delimiter_is_comma_semicolon_or_tab():
    assert m.sniff_delimiter("Account Name,City\n") == ","
    assert m.sniff_delimiter('"Name; with semicolon",City,Zip\n') == ","
    assert m.sniff_delimiter("Account Name;City;Amount\n") == ";"
    assert m.sniff_delimiter("Account Name\tCity\n") == "\t"
    assert m.sniff_delimiter("Account Name\n") == ","


@pytest.mark.parametrize("as_bytes", [False, True], ids=["file", "bytes kept in the database"])
def test_rows_are_streamed_with_the_line_they_start_on(tmp_path, as_bytes):
    path = tmp_path / "a.csv"
    path.write_text('Account Name;Billing City\nAcme;Paris\n"Two\nlines";Lyon\n\n;Nice\n',
                    encoding="utf-8")
    source = path.read_bytes() if as_bytes else path
    headers, delimiter = m.read_header(source, "utf-8")
    assert (headers, delimiter) == (["Account Name", "Billing City"], ";")
    rows = list(m.read_rows(source, "utf-8", delimiter, "accounts", ["name", "city"]))
    assert [(r.line, r.values.get("name"), r.errors) for r in rows] == [
        (2, "Acme", []), (3, "Two lines", []), (6, None, ["the name is missing"])]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tTab", "\rReturn"])
def test_export_cells_that_a_spreadsheet_would_run_are_prefixed_with_a_quote(cell):
    assert m.safe_cell(cell) == "'" + cell


def test_export_keeps_ordinary_cells_as_they_are():
    assert m.safe_cell("Acme, Inc.") == "Acme, Inc."
    assert m.safe_cell(None) == ""
    assert m.safe_cell(Decimal("12.50")) == "12.50"
    assert m.safe_cell(date(2026, 12, 31)) == "2026-12-31"


def test_exported_accounts_reimport_with_the_same_column_mapping():
    lines = list(csv_lines("accounts", [{"name": "=cmd|' /C calc'!A0", "external_id": "A-1"}]))
    assert lines[0].startswith("\ufeffAccount ID,Account Name,")
    assert lines[1].startswith("A-1,'=cmd|")
    headers = lines[0].lstrip("\ufeff").strip().split(",")
    assert m.guess_mapping("accounts", headers)[:3] == ["external_id", "name", "industry"]
