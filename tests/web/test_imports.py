"""Import and export: upload a CRM export, see every row checked with line numbers, import all
or nothing, re-import without duplicates; export only what you may see, safely."""
from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    Account,
    AuditEvent,
    Contact,
    ImportUndo,
    Opportunity,
    OpportunityChange,
)

SALESFORCE_ACCOUNTS = (
    "Account ID,Account Name,Billing City,Billing State/Province,Billing Zip/Postal Code,"
    "Billing Country,Industry,Account Owner\r\n"
    "001A,Acme Foundry,Chicago,IL,60601,United States,Manufacturing,{ana}\r\n"
    "001B,Blue Dairy,Madison,WI,53703,US,Food,\r\n"
)


@pytest.fixture
def team(make):
    manager = make.user("manager", name="Maya Manager")
    ana = make.user("rep", manager=manager, name="Ana Alvarez", email="ana@example.com")
    ben = make.user("rep", manager=manager, name="Ben Brooks", email="ben@example.com")
    other_manager = make.user("manager", name="Otto Other")
    stranger = make.user("rep", manager=other_manager, name="Sam Stranger",
                         email="sam@example.com")
    return dict(manager=manager, ana=ana, ben=ben, other_manager=other_manager,
                stranger=stranger)


POLLING = 'hx-trigger="every 1s"'


def _wait(client, url: str, timeout: float = 30) -> str:
    """Poll the upload's page as htmx does (the fragment) until its check or import is done
    (the runner is a real thread of the app); returns the whole page.

    The test client's requests share this test's app context, so their session outlives
    each request: end its transaction (and forget what it loaded), as the end of a real
    request would."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        if POLLING not in client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True):
            break
        assert time.monotonic() < deadline, "the import job did not finish"
        time.sleep(0.05)
    db.session.rollback()
    page = client.get(url).get_data(as_text=True)
    db.session.rollback()
    return page


def _upload(client, text: str | bytes, kind: str = "auto", encoding: str = "utf-8",
            name: str = "export.csv"):
    """Upload a file and wait for its check; returns the upload's page address."""
    data = text if isinstance(text, bytes) else text.encode(encoding)
    response = client.post("/imports/", data={"kind": kind, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    url = response.headers["Location"]
    _wait(client, url)
    return url


def _choices(page_url: str, client, **extra):
    """The mapping form's current values (as the page shows them), changed by `extra`."""
    page = client.get(page_url).get_data(as_text=True)
    import re

    data = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', body) or \
            re.search(r'<option value="([^"]*)" selected', body)
        data[name] = selected.group(1) if selected else ""
    data.update(extra)
    return data


class Imported:
    """What the user sees after pressing Import and waiting: the page, and whether it says
    the file was imported."""

    def __init__(self, page: str):
        self.page = page
        self.imported = "<h2 id=\"result-title\">Imported</h2>" in page


def _import(client, url, **extra) -> Imported:
    """Press Import with the form as shown (changed by `extra`), as many times as the page
    asks (a changed column is checked again first), and wait for the end."""
    data = _choices(url, client, action="import", **extra)
    response = client.post(url, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    page = _wait(client, url)
    if 'value="import"' in page:  # checked again with the new choices: import now
        assert client.post(url, data=_choices(url, client, action="import")).status_code == 303
        page = _wait(client, url)
    return Imported(page)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def test_salesforce_accounts_preview_then_import(client, login, team):
    login(team["manager"])
    url = _upload(client, SALESFORCE_ACCOUNTS.format(ana="ana@example.com"))
    page = client.get(url).get_data(as_text=True)
    assert "Read as UTF-8, columns separated by commas." in page
    assert "2 rows: <b>2</b> new, <b>0</b> updated" in page
    assert "Acme Foundry" in page and "Ana Alvarez" in page
    assert _count(Account) == 0  # the preview saves nothing

    done = _import(client, url, default_owner=str(team["ben"].id))
    assert done.imported
    assert "<b>2</b> new, <b>0</b> updated" in done.page
    accounts = {a.external_id: a for a in db.session.scalars(select(Account))}
    acme, blue = accounts["001A"], accounts["001B"]
    assert (acme.name, acme.city, acme.region, acme.postal_code, acme.country) == (
        "Acme Foundry", "Chicago", "IL", "60601", "US")
    assert acme.owner_id == team["ana"].id  # named in the file
    assert blue.owner_id == team["ben"].id  # the form's choice
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.accounts"))
    assert json.loads(event.detail)["new"] == 2


def test_reimporting_the_same_file_updates_instead_of_duplicating(client, login, team):
    login(team["manager"])
    text = SALESFORCE_ACCOUNTS.format(ana="ana@example.com")
    first = _upload(client, text)
    assert _import(client, first, default_owner=str(team["ben"].id)).imported
    changed = text.replace("Acme Foundry,Chicago", "Acme Foundry Inc.,Evanston")
    url = _upload(client, changed)
    page = client.get(url).get_data(as_text=True)
    assert "2 rows: <b>0</b> new, <b>1</b> updated, 1 unchanged" in page
    assert _import(client, url, default_owner=str(team["ben"].id)).imported
    assert _count(Account) == 2
    acme = db.session.scalar(select(Account).where(Account.external_id == "001A"))
    assert (acme.name, acme.city) == ("Acme Foundry Inc.", "Evanston")


def test_malformed_rows_are_listed_by_line_and_nothing_is_saved(client, login, team):
    login(team["manager"])
    make_opps = ("Opportunity ID,Account Name,Opportunity Name,Stage,Amount,Close Date\n"
                 "O1,Acme Foundry,Good deal,Prospecting,1000,2027-01-31\n"
                 "O2,Acme Foundry,,Qualification,2000,2027-01-31\n"
                 "O3,Acme Foundry,Bad date,Qualification,3000,someday\n"
                 "O4,Acme Foundry,Bad amount,Closed Won,lots,2027-01-31\n")
    _import(client, _upload(client, "Account Name\nAcme Foundry\n"),
            default_owner=str(team["ana"].id))
    url = _upload(client, make_opps)
    done = _import(client, url)
    assert not done.imported
    page = done.page
    assert "Line 3: the name is missing" in page
    assert "Line 4: Close date: “someday” is not a date" in page
    assert "Line 5: Amount: “lots” is not an amount" in page
    assert "3 with errors" in page
    assert _count(Opportunity) == 0  # not even the good row


def test_duplicate_external_ids_in_one_file_name_both_lines(client, login, team):
    login(team["manager"])
    url = _upload(client, "Account ID,Account Name\nX1,One\nX2,Two\nX1,One again\n")
    done = _import(client, url, default_owner=str(team["ana"].id))
    assert not done.imported
    assert "ID “X1” appears on lines 2 and 4" in done.page
    assert _count(Account) == 0


def test_windows_1252_file_is_read_and_the_user_is_told(client, login, team):
    login(team["manager"])
    text = "Account Name;Billing City;Industry\nCafé Müller;Zürich;Gastronomie – Süd\n"
    url = _upload(client, text, encoding="cp1252")
    page = client.get(url).get_data(as_text=True)
    assert "Read as Windows-1252 (Western European), columns separated by semicolons." in page
    assert _import(client, url, default_owner=str(team["ana"].id)).imported
    account = db.session.scalar(select(Account))
    assert (account.name, account.city, account.industry) == (
        "Café Müller", "Zürich", "Gastronomie – Süd")


def test_utf8_file_with_byte_order_mark_maps_its_first_column(client, login, team):
    login(team["manager"])
    url = _upload(client, "Company name,City\nÉcole Ōsaka,Lyon\n", encoding="utf-8-sig")
    assert "UTF-8 (with byte-order mark)" in client.get(url).get_data(as_text=True)
    assert _import(client, url, default_owner=str(team["ana"].id)).imported
    assert db.session.scalar(select(Account.name)) == "École Ōsaka"


def test_hubspot_deals_and_contacts_find_their_accounts(client, login, team, make):
    acme = make.account(team["ana"], name="Acme Foundry", external_id="HS-1")
    login(team["manager"])
    deals = ("Record ID,Deal Name,Deal Stage,Close Date,Amount,Associated Company,Deal Owner\n"
             "D1,Plant rollout,contractsent,12/31/2026,\"$120,000.00\",Acme Foundry,"
             "Ben Brooks\n")
    assert _import(client, _upload(client, deals)).imported
    deal = db.session.scalar(select(Opportunity))
    assert (deal.account_id, deal.stage, deal.amount, deal.close_on, deal.owner_id) == (
        acme.id, "negotiation", Decimal("120000.00"), date(2026, 12, 31), team["ben"].id)
    contacts = ("Record ID,First Name,Last Name,Job Title,Email,Phone Number,"
                "Associated Company ID\nC1,Ada,Lovelace,CTO,ada@acme.test,555-0100,HS-1\n")
    assert _import(client, _upload(client, contacts)).imported
    contact = db.session.scalar(select(Contact))
    assert (contact.name, contact.title, contact.account_id) == ("Ada Lovelace", "CTO", acme.id)


def test_reimported_opportunity_changes_are_in_its_history(client, login, team, make):
    acme = make.account(team["ana"], name="Acme Foundry", external_id="A1")
    make.opportunity(acme, external_id="O1", name="Rollout", stage="qualified",
                     amount=Decimal("1000"), close_on=date(2027, 1, 31))
    login(team["manager"])
    text = ("Opportunity ID,Account ID,Opportunity Name,Stage,Amount,Close Date\n"
            "O1,A1,Rollout,Closed Won,1500,2027-01-31\n")
    assert _import(client, _upload(client, text)).imported
    deal = db.session.scalar(select(Opportunity))
    assert (deal.stage, deal.amount, deal.version, deal.closed_at is not None) == (
        "won", Decimal("1500.00"), 2, True)
    changes = {c.field: (c.old_value, c.new_value)
               for c in db.session.scalars(select(OpportunityChange))}
    assert changes["stage"] == ("qualified", "won")
    assert changes["amount"] == ("1000.00", "1500.00")
    assert _count(Opportunity) == 1


def test_an_unknown_column_is_mapped_by_the_user(client, login, team):
    login(team["manager"])
    url = _upload(client, "Account Name,Hauptsitz Stadt\nAcme,Berlin\n")
    page = client.get(url).get_data(as_text=True)
    assert "Hauptsitz Stadt" in page
    assert _import(client, url, col1="city", default_owner=str(team["ana"].id)).imported
    assert db.session.scalar(select(Account.city)) == "Berlin"


def test_an_unmapped_column_is_ignored(client, login, team):
    login(team["manager"])
    url = _upload(client, "Account Name,Hauptsitz Stadt\nAcme,Berlin\n")
    assert _import(client, url, default_owner=str(team["ana"].id)).imported
    assert db.session.scalar(select(Account.city)) == ""


def test_owner_outside_the_managers_team_is_not_assigned(client, login, team):
    login(team["manager"])
    text = "Account Name,Account Owner\nAcme,sam@example.com\n"
    url = _upload(client, text)
    page = client.get(url).get_data(as_text=True)
    assert "1 row names an owner who is not one of your reps" in page
    assert _import(client, url, default_owner=str(team["ana"].id)).imported
    assert db.session.scalar(select(Account.owner_id)) == team["ana"].id


def test_a_manager_cannot_update_another_teams_account_by_its_id(client, login, team, make):
    make.account(team["stranger"], name="Not yours", external_id="S1")
    login(team["manager"])
    url = _upload(client, "Account ID,Account Name\nS1,Mine now\n")
    done = _import(client, url, default_owner=str(team["ana"].id))
    assert not done.imported
    assert "Line 2: ID “S1” belongs to a record you cannot change" in done.page
    assert db.session.scalar(select(Account.name)) == "Not yours"


def test_a_manager_cannot_give_new_accounts_to_another_teams_rep(client, login, team):
    login(team["manager"])
    url = _upload(client, "Account Name\nAcme\n")
    done = _import(client, url, default_owner=str(team["stranger"].id))
    assert not done.imported
    assert _count(Account) == 0


def test_a_rep_cannot_import_or_export(client, login, team):
    login(team["ana"])
    assert client.get("/imports/").status_code == 404
    response = client.post("/imports/", data={"file": (io.BytesIO(b"Account Name\nX\n"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 404
    assert client.post("/imports/export/accounts.csv").status_code == 404
    assert _count(Account) == 0


def test_someone_elses_upload_is_not_found(client, login, team, app):
    login(team["manager"])
    url = _upload(client, "Account Name\nAcme\n")
    other = app.test_client()
    login(team["other_manager"], client=other)
    assert other.get(url).status_code == 404
    assert other.post(url, data={"action": "import"}).status_code == 404


def _export(client, kind="accounts"):
    response = client.post(f"/imports/export/{kind}.csv")
    assert response.status_code == 303
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    return download


def test_export_contains_only_visible_accounts_and_is_recorded(client, login, team, make):
    make.account(team["ana"], name="Ana's account", external_id="A1")
    make.account(team["stranger"], name="Stranger's account", external_id="S1")
    login(team["manager"])
    download = _export(client)
    assert download.headers["Cache-Control"] == "no-store"
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Account ID"], r["Account Name"], r["Account Owner"]) for r in rows] == [
        ("A1", "Ana's account", "ana@example.com")]
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "export.accounts")) == 1


def test_export_download_needs_the_recorded_request(client, login, team):
    login(team["manager"])
    response = client.get("/imports/export/accounts.csv?ticket=forged")
    assert response.status_code == 303


def test_exported_cells_cannot_run_as_spreadsheet_formulas(client, login, team, make):
    acme = make.account(team["ana"], name="=HYPERLINK(\"http://evil\",\"Click\")",
                        city="+1-555", industry="@SUM(A1)")
    make.contact(acme, name="-Eve", title="\tBoss")
    make.opportunity(acme, name="=1+1", next_step="\rcall")
    login(team["manager"])
    text = _export(client).get_data(as_text=True)
    row = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))[0]
    assert row["Account Name"] == "'=HYPERLINK(\"http://evil\",\"Click\")"
    assert row["Billing City"] == "'+1-555"
    assert row["Industry"] == "'@SUM(A1)"
    contact = list(csv.DictReader(io.StringIO(_export(client, "contacts").get_data(as_text=True)
                                              .lstrip("\ufeff"))))[0]
    assert (contact["Full Name"], contact["Title"]) == ("'-Eve", "'\tBoss")
    deal = list(csv.DictReader(io.StringIO(_export(client, "opportunities").get_data(as_text=True)
                                           .lstrip("\ufeff"))))[0]
    assert (deal["Opportunity Name"], deal["Account Name"]) == ("'=1+1", row["Account Name"])


def test_an_exported_file_reimports_without_changes(client, login, team, make):
    make.account(team["ana"], name="Acme", external_id="A1", city="Chicago")
    login(team["manager"])
    data = _export(client).get_data()
    url = _upload(client, data)
    page = client.get(url).get_data(as_text=True)
    assert "1 row: <b>0</b> new, <b>0</b> updated, 1 unchanged" in page


def test_more_page_links_managers_to_import_and_export(client, login, team):
    login(team["manager"])
    assert "/imports/" in client.get("/more").get_data(as_text=True)


def test_a_file_over_the_size_limit_is_refused(app, client, login, team):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login(team["manager"])
    response = client.post("/imports/", data={"file": (io.BytesIO(b"Account Name\n" + b"x" * 4096),
                                                        "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert _count(Account) == 0


def test_a_file_without_rows_cannot_be_imported(client, login, team):
    login(team["manager"])
    url = _upload(client, "Account Name,City\n")
    page = client.get(url).get_data(as_text=True)
    assert "The file has a header but no rows." in page
    assert 'value="import"' not in page




# --- big files: in the background, with progress, a batch per transaction, all or nothing ---

@pytest.fixture
def worker(app):
    """Imports left to `groundwork imports work` (IMPORT_RUNNER=worker): the test decides
    when the runner works, so what a user sees before and after can be checked exactly."""
    app.config["IMPORT_RUNNER"] = "worker"

    def run():
        db.session.rollback()
        result = app.test_cli_runner().invoke(args=["imports", "work"])
        assert result.exit_code == 0, result.output
        db.session.rollback()
        return result.output

    return run


def _post_upload(client, text: str) -> str:
    response = client.post("/imports/", data={"kind": "auto",
                                              "file": (io.BytesIO(text.encode()), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.rollback()
    return response.headers["Location"]


def _accounts_file(rows: int, start: int = 0) -> str:
    return "Account ID,Account Name,City\n" + "".join(
        f"E{n},Company {n},Chicago\n" for n in range(start, start + rows))


def test_the_page_shows_progress_until_the_check_is_done(client, login, team, worker):
    login(team["manager"])
    url = _post_upload(client, _accounts_file(6))
    page = client.get(url).get_data(as_text=True)
    assert "Checking every row" in page
    assert "0 of about 6 rows: nothing is saved yet" in page
    assert '<progress max="6" value="0"' in page
    assert POLLING in page  # htmx asks again every second
    assert '<meta http-equiv="refresh" content="3">' in page  # and so does a page without JS
    assert 'value="import"' not in page
    fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="import-job"') and "<html" not in fragment

    assert "checked" in worker()
    page = client.get(url).get_data(as_text=True)
    assert POLLING not in page and "http-equiv" not in page
    assert "6 rows: <b>6</b> new" in page and 'value="import"' in page
    assert "being checked" not in client.get("/imports/").get_data(as_text=True)


def test_batches_are_committed_as_they_go_so_other_writers_are_not_held_up(
        app, client, login, team, worker, monkeypatch):
    """While a big import runs, each batch is its own transaction: between two batches other
    requests can write (on SQLite a held write lock would make this fail after the busy
    timeout), and they see the rows imported so far and the progress."""
    from webapp.models import AuditEvent, ImportJob
    from webapp.services.imports import runner as service

    app.config["IMPORT_BATCH_SIZE"] = 2
    login(team["manager"])
    url = _post_upload(client, _accounts_file(6))
    worker()
    assert _import_pressed(client, url)
    seen = []
    batches = service._batches

    def watched(rows, *size):
        for batch in batches(rows, *size):
            with db.engine.begin() as other:  # another request, on its own connection
                other.execute(AuditEvent.__table__.insert().values(
                    at=datetime(2026, 11, 23), action="someone.else", target_type="",
                    target_id="", detail="{}", ip=""))
                seen.append((other.scalar(select(func.count(Account.id))),
                             other.scalar(select(ImportJob.rows_done))))
            yield batch

    monkeypatch.setattr(service, "_batches", watched)
    assert "imported" in worker()
    assert seen == [(0, 0), (2, 2), (4, 4)]
    assert _count(Account) == 6
    assert "Imported" in client.get(url).get_data(as_text=True)


def _import_pressed(client, url) -> bool:
    response = client.post(url, data=_choices(url, client, action="import"))
    db.session.rollback()
    return response.status_code == 303


def test_an_error_found_while_importing_puts_back_the_batches_already_written(
        app, client, login, team, make, worker):
    """The data changed between the check and the import: a later batch finds an error, so
    the records the earlier batches added or changed are put back. Nothing is imported."""
    app.config["IMPORT_BATCH_SIZE"] = 2
    make.account(team["ana"], name="Old name", external_id="E0", city="Springfield")
    moved = make.account(team["ana"], name="Company 4", external_id="E4")
    login(team["manager"])
    url = _post_upload(client, _accounts_file(6))
    worker()
    assert "<b>4</b> new, <b>1</b> updated" in client.get(url).get_data(as_text=True)
    moved.owner_id = team["stranger"].id  # now another team's: the manager may not change it
    db.session.commit()
    assert _import_pressed(client, url)
    assert "failed" in worker()

    page = client.get(url).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Line 6: ID “E4” belongs to a record you cannot change" in page
    assert 'value="import"' not in page
    assert _count(Account) == 2
    first = db.session.scalar(select(Account).where(Account.external_id == "E0"))
    assert (first.name, first.city) == ("Old name", "Springfield")
    undone = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "import.accounts.undone"))
    assert json.loads(undone.detail)["records"] == 4  # three new ones, one update
    assert db.session.scalar(select(func.count()).select_from(ImportUndo)) == 0


def test_a_new_record_someone_worked_on_meanwhile_is_kept_when_the_import_is_put_back(
        app, client, login, team, make, worker, monkeypatch):
    """Between two batches a rep writes a note on an account the import just added; the
    import then fails. That account stays (with the note); everything else is put back."""
    from webapp.models import Note
    from webapp.services.imports import runner as service

    app.config["IMPORT_BATCH_SIZE"] = 2
    moved = make.account(team["ana"], name="Company 4", external_id="E4")
    login(team["manager"])
    url = _post_upload(client, _accounts_file(6))
    worker()
    moved.owner_id = team["stranger"].id
    db.session.commit()
    assert _import_pressed(client, url)
    batches = service._batches

    def a_note_after_the_first_batch(rows, *size):
        for n, batch in enumerate(batches(rows, *size)):
            if n == 1:
                with db.engine.begin() as other:
                    account_id = other.scalar(select(Account.id).where(
                        Account.external_id == "E0"))
                    other.execute(Note.__table__.insert().values(
                        user_id=team["ana"].id, account_id=account_id, body="Met them.",
                        created_at=datetime(2026, 11, 23), uuid="note-during-import"))
            yield batch

    monkeypatch.setattr(service, "_batches", a_note_after_the_first_batch)
    assert "failed" in worker()
    page = client.get(url).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "1 new record was kept: someone added work to them while the import ran." in page
    assert sorted(db.session.scalars(select(Account.external_id))) == ["E0", "E4"]
    undone = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "import.accounts.undone"))
    assert (json.loads(undone.detail)["records"], json.loads(undone.detail)["kept"]) == (3, 1)


class _Killed(BaseException):
    """The server process stopping in the middle of an import."""


def test_an_import_cut_off_by_a_restart_is_put_back_when_a_runner_carries_on(
        app, client, login, team, make, worker, clock, monkeypatch):
    from webapp.services.imports import runner as service

    app.config["IMPORT_BATCH_SIZE"] = 2
    login(team["manager"])
    url = _post_upload(client, _accounts_file(6))
    worker()
    assert _import_pressed(client, url)
    batches = service._batches

    def dies_after_two(rows, *size):
        for n, batch in enumerate(batches(rows, *size)):
            if n == 2:
                raise _Killed()
            yield batch

    monkeypatch.setattr(service, "_batches", dies_after_two)
    with pytest.raises(_Killed):
        service.run(db.session, _job_id(url), batch_size=app.config["IMPORT_BATCH_SIZE"])
    monkeypatch.setattr(service, "_batches", batches)
    db.session.rollback()
    assert _count(Account) == 4  # two batches were written before it stopped

    page = client.get(url).get_data(as_text=True)
    assert "Importing" in page and "has not moved" not in page
    assert worker() == ""  # its runner may still be alive: nobody takes it over yet
    clock.advance(minutes=2)
    page = client.get(url).get_data(as_text=True)
    assert "This has not moved for a minute" in page and 'value="resume"' in page
    assert POLLING not in page
    response = client.post(url, data={"action": "resume"})
    assert response.status_code == 303
    assert "failed" in worker()
    page = client.get(url).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "cut off (the server stopped) after 4 rows" in page
    assert _count(Account) == 0
    # ...and the file can be checked and imported again.
    assert client.post(url, data=_choices(url, client, action="check")).status_code == 303
    worker()
    assert _import_pressed(client, url)
    assert "imported" in worker()
    assert _count(Account) == 6


def _job_id(url: str) -> int:
    from webapp.models import ImportJob

    db.session.rollback()
    return db.session.scalar(select(ImportJob.id).where(
        ImportJob.token == url.rsplit("/", 1)[1]))


def test_an_import_in_progress_cannot_be_changed_or_discarded(client, login, team, worker):
    login(team["manager"])
    url = _post_upload(client, _accounts_file(3))
    worker()
    assert _import_pressed(client, url)
    response = client.post(url.rstrip("/") + "/discard", follow_redirects=True)
    assert "This file is being imported: wait until it has finished." in \
        response.get_data(as_text=True)
    worker()
    assert _count(Account) == 3
    page = client.get(url).get_data(as_text=True)
    assert "Imported" in page and "<b>3</b> new" in page and "<form" not in \
        page[page.index('id="import-job"'):]


def test_reimport_links_an_account_made_in_the_app_by_name_and_says_so(client, login, team, make):
    """A rep added "Acme Foundry" on the phone; the CRM export then brings it with its ID:
    one account, which takes the ID, not a silent second one."""
    made = make.account(team["ana"], name="Acme Foundry", city="")
    login(team["manager"])
    url = _upload(client, SALESFORCE_ACCOUNTS.format(ana="ana@example.com"))
    page = client.get(url).get_data(as_text=True)
    assert "<b>1</b> new, <b>1</b> updated" in page
    assert "1 row matches a record made in the app (same name, no ID yet)" in page
    assert "Links to the one made in the app" in page
    assert _import(client, url, default_owner=str(team["ben"].id)).imported
    assert _count(Account) == 2
    db.session.expire_all()
    linked = db.session.get(Account, made.id)
    assert (linked.external_id, linked.city) == ("001A", "Chicago")
    # And again: now it is found by its ID, still one.
    again = _upload(client, SALESFORCE_ACCOUNTS.format(ana="ana@example.com"))
    assert "<b>0</b> new" in client.get(again).get_data(as_text=True)


def test_reimport_links_a_contact_made_in_the_app_by_email(client, login, team, make):
    acme = make.account(team["ana"], name="Acme Foundry", external_id="HS-1")
    made = make.contact(acme, name="Ada", email="ADA@acme.test")
    login(team["manager"])
    contacts = ("Record ID,First Name,Last Name,Job Title,Email,Phone Number,"
                "Associated Company ID\nC1,Ada,Lovelace,CTO,ada@acme.test,555-0100,HS-1\n")
    assert _import(client, _upload(client, contacts)).imported
    assert _count(Contact) == 1
    db.session.expire_all()
    contact = db.session.get(Contact, made.id)
    assert (contact.external_id, contact.name, contact.title) == ("C1", "Ada Lovelace", "CTO")
