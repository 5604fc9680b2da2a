"""Whatever is posted to a form handler: never a 500, and either the whole write or none.

Covers the form routes that tests/web/test_bad_input.py does not (that file covers logging a
meeting, the quick note, opportunity create and update): sign-in, the password change, admin
user pages, territory design and change plans, pipeline settings, forecasts, qualification and
one-to-ones. Each example posts a form where a few fields are garbage (huge, NUL, unicode, wrong
types, impossible dates), some are missing and some unknown fields (owner_id, role, …) are added.

The check is the same for every route: every table is snapshotted before and after. An answer
other than a 303 must leave every table as it was; a 303 may change only the tables the route
owns, by the number of rows it may add. The audit log, the replay ledger, sign-in sessions and
failed sign-in counts are left out of the comparison (refusals and sign-ins write there by
design). A snapshot is every row of every table, read on the test's own connection with no ORM
in between: on SQLite one plain `SELECT *` a table, as the driver returns the rows; on PostgreSQL
every table in one statement, each as JSON (a round trip a table was most of an example's time).
"""
from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.security import sign_in_as
from webapp import create_app
from webapp import models as m
from webapp.database import reading
from webapp.extensions import db

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
NOT_COMPARED = {"audit_events", "client_writes", "user_sessions", "rate_limit_counters"}
REFUSALS = {400, 404, 409, 422}

# Text a browser can send (no lone surrogates: they cannot be encoded as UTF-8).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
numbers = st.one_of(st.integers(-10, 10), st.integers(-2**70, 2**70)).map(str)
dates = st.one_of(st.dates().map(str), st.sampled_from(
    ["2026-02-30", "2026-13-01", "0000-01-01", "20266-01-01", "2026-11-20T10:00", "today", ""]))
decimals = st.one_of(numbers, st.decimals(allow_nan=True, allow_infinity=True).map(str),
                     st.sampled_from(["$1,000", "1e400", "-0", "sNaN", " 12 ", "1_000"]))
anything = st.one_of(text, numbers, dates, decimals, st.just("\x00"), st.just("a\x00b"),
                     st.text(min_size=490, max_size=10_050), st.just("🙂" * 300))
# Fields no form has, some of them naming what a user must never set by posting it.
SMUGGLED = ("owner_id", "user_id", "territory_id", "manager_id", "role", "active", "id",
            "version", "created_by_id", "rep_id", "must_change_password", "password_hash",
            "session_version", "email")
extra_fields = st.dictionaries(st.one_of(st.sampled_from(SMUGGLED), text.filter(bool)),
                               anything, max_size=3)


@dataclass
class World:
    rep: m.User
    manager: m.User
    admin: m.User
    target: m.User
    account: m.Account
    opportunity: m.Opportunity
    territory: m.Territory
    plan: m.ChangePlan
    other_manager: m.User
    ids: dict = field(default_factory=dict)


@dataclass
class Case:
    """One form route: who posts, where, its fields (a valid strategy each), and what a 303 may
    change: table name -> the row-count changes allowed."""
    persona: str
    url: Callable[[World], str]
    fields: Callable[[World], dict]
    may_change: dict[str, set[int]]
    required: tuple[str, ...] = ()
    garbage: Callable[[World], dict] = lambda w: {}
    after_303: Callable[[World, dict, m.User], None] | None = None


_SELECT_ALL = {t.name: f'SELECT * FROM "{t.name}" ORDER BY '
               + ", ".join(f'"{c.name}"' for c in t.primary_key)
               for t in m.Base.metadata.sorted_tables}
# PostgreSQL: one round trip for every table, each a JSON array of its rows (columns in order).
_SELECT_ALL_AS_JSON = "SELECT " + ", ".join(
    f"""(SELECT coalesce(json_agg(json_build_array({', '.join(f'row_."{c.name}"' for c in t.columns)})
    ORDER BY {', '.join(f'row_."{c.name}"' for c in t.primary_key)})::text, '[]') FROM "{t.name}" row_)"""
    for t in m.Base.metadata.sorted_tables)


def _all_rows() -> dict[str, list[tuple]]:
    """Every row of every table (NOT_COMPARED ones too), each a tuple of its column values."""
    db.session.rollback()  # a failed example must not leave the session's transaction aborted
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        tables = conn.exec_driver_sql(_SELECT_ALL_AS_JSON).one()
        return {name: [tuple(row) for row in json.loads(table, parse_float=Decimal)]
                for name, table in zip(_SELECT_ALL, tables)}
    # SQLite: straight on the driver's connection (the same transaction), one cursor for all.
    cursor = conn.connection.driver_connection.cursor()
    try:
        return {name: [tuple(row) for row in cursor.execute(sql)]
                for name, sql in _SELECT_ALL.items()}
    finally:
        cursor.close()


def _compared(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {name: table for name, table in rows.items() if name not in NOT_COMPARED}


def _snapshot() -> dict[str, list[tuple]]:
    return _compared(_all_rows())


def _new_user_was_created(world, form, _user):
    email = form["email"].strip().lower()
    created = db.session.scalar(select(m.User).where(m.User.email == email))
    assert created is not None and created.role == form["role"]
    assert created.must_change_password == bool(form.get("password"))


def _role_was_set(world, form, _user):
    db.session.expire_all()
    assert db.session.get(m.User, world.target.id).role == form["role"]


CASES = {
    "sign-in": Case(
        "anonymous", lambda w: "/login",
        lambda w: {"email": st.sampled_from([w.rep.email, w.rep.email.upper(), "nobody@x.io"]),
                   "password": st.sampled_from([PASSWORD, "wrong-password-123"]),
                   "next": st.sampled_from(["/", "/accounts/", "//evil.example", "https://evil",
                                            "/\\evil", ""])},
        {}, required=("email", "password")),
    "change password": Case(
        "rep", lambda w: "/account/password",
        lambda w: {"current_password": st.sampled_from([PASSWORD, "wrong-password-123"]),
                   "new_password": st.sampled_from(["a-brand-new-passphrase", "short"]),
                   "repeat_password": st.sampled_from(["a-brand-new-passphrase", "other"])},
        {"users": {0}}, required=("current_password", "new_password", "repeat_password")),
    "admin invites a user": Case(
        "admin", lambda w: "/admin/users/new",
        lambda w: {"name": st.sampled_from(["Pat Doe", " Zoë Ünïcode "]),
                   "email": st.uuids().map(lambda u: f"{u.hex[:10]}@example.com"),
                   "role": st.sampled_from(["rep", "manager", "admin"]),
                   "manager_id": st.sampled_from([str(w.manager.id), ""]),
                   "password": st.sampled_from(["", "temporary-passphrase"])},
        {"users": {1}}, required=("name", "email", "role"),
        garbage=lambda w: {"manager_id": st.one_of(numbers, st.just(str(w.rep.id)), text),
                           "role": st.one_of(st.just("superuser"), text),
                           "email": st.one_of(text, st.just("a@"), st.just("@b"))},
        after_303=_new_user_was_created),
    "admin changes a user": Case(
        "admin", lambda w: f"/admin/users/{w.target.id}",
        lambda w: {"role": st.sampled_from(["rep", "manager", "admin"]),
                   "manager_id": st.sampled_from([str(w.manager.id), str(w.other_manager.id),
                                                  ""])},
        {"users": {0}}, required=("role",),
        garbage=lambda w: {"manager_id": st.one_of(numbers, st.just(str(w.target.id)), text)},
        after_303=_role_was_set),
    "admin deactivates a user": Case(
        "admin", lambda w: f"/admin/users/{w.target.id}/active",
        lambda w: {"active": st.sampled_from(["0", "1"])}, {"users": {0}}),
    "new territory": Case(
        "manager", lambda w: "/territories/new",
        lambda w: {"name": st.uuids().map(lambda u: f"Territory {u.hex[:8]}"),
                   "owner_id": st.sampled_from([str(w.rep.id), "0"])},
        {"territories": {1}}, required=("name",),
        garbage=lambda w: {"owner_id": st.one_of(numbers, st.just(str(w.admin.id)), text)}),
    "territory rules": Case(
        "manager", lambda w: f"/territories/{w.territory.id}/edit",
        lambda w: {"action": st.sampled_from(["save", "preview"]),
                   "owner_id": st.sampled_from([str(w.rep.id), "0"]),
                   "countries": st.sampled_from(["US", "US, CA", ""]),
                   "regions": st.sampled_from(["IL, WI", ""]),
                   "postal_prefixes": st.sampled_from(["606", ""]),
                   "center_latitude": st.sampled_from(["41.9", ""]),
                   "center_longitude": st.sampled_from(["-87.6", ""]),
                   "radius_km": st.sampled_from(["50", ""]),
                   "industries": st.sampled_from(["Manufacturing", ""]),
                   "segments": st.sampled_from(["SMB, Major", ""]),
                   "potential_bands": st.sampled_from(["high", "low"])},
        {"territory_rules": {0, 1}, "territories": {0}}, required=("action",),
        garbage=lambda w: {"center_latitude": decimals, "radius_km": decimals,
                           "potential_bands": st.one_of(st.just("sky-high"), text)}),
    "new change plan": Case(
        "manager", lambda w: "/territories/plans/new",
        lambda w: {"name": st.sampled_from(["Q4 realignment", "Plan ☃"]),
                   "announced_on": st.sampled_from(["2026-11-23", "2026-12-01"]),
                   "cutoff_on": st.sampled_from(["2026-11-22", ""]),
                   "effective_on": st.sampled_from(["2026-12-07", ""]),
                   "protection_mode": st.sampled_from(["quarters", "sales_cycle"]),
                   "major_federal": st.sampled_from(["exempt", "standard", "extended"])},
        {"territory_plans": {1}}, required=("name", "announced_on"),
        garbage=lambda w: {"announced_on": dates, "cutoff_on": dates, "effective_on": dates}),
    "change plan edit": Case(
        "manager", lambda w: f"/territories/plans/{w.plan.id}",
        lambda w: {"name": st.sampled_from(["Realignment", "Réalignement"]),
                   "announced_on": st.sampled_from(["2026-11-23", "2026-12-01"]),
                   "cutoff_on": st.sampled_from(["2026-11-22", ""]),
                   "effective_on": st.sampled_from(["2026-12-07", ""]),
                   "protection_mode": st.sampled_from(["quarters", "sales_cycle"]),
                   "major_federal": st.sampled_from(["exempt", "standard", "extended"])},
        {"territory_plans": {0}, "territory_plan_assignments": {0}},
        required=("name", "announced_on"),
        garbage=lambda w: {"announced_on": dates, "cutoff_on": dates, "effective_on": dates}),
    "move an account in a plan": Case(
        "manager", lambda w: f"/territories/plans/{w.plan.id}/move",
        lambda w: {"account_id": st.just(str(w.account.id)),
                   "territory_id": st.just(str(w.territory.id))},
        # accounts: the briefcase version of the account the plan moves goes up
        {"territory_plan_assignments": {0, 1}, "territory_overrides": {0, 1}, "accounts": {0}},
        required=("account_id", "territory_id"),
        garbage=lambda w: {"account_id": st.one_of(numbers, text, st.just(str(2**40)))}),
    "pipeline settings": Case(
        "manager", lambda w: "/pipeline/settings",
        lambda w: {"methodology": st.sampled_from(["meddic", "spin", "bant", "custom"]),
                   **{name: st.integers(7, 12).map(str) for name in (
                       "slip_pushes", "quiet_weeks", "stuck_days", "forecast_lock_days",
                       "history_months", "min_history")}},
        {"pipeline_settings": {0, 1}}),
    "checklist item": Case(
        "manager", lambda w: "/pipeline/settings/items",
        lambda w: {"label": st.sampled_from(["Budget owner met", "Champion ✓"]),
                   "hint": text, "required": st.sampled_from(["y", ""])},
        {"qualification_items": {0, 1}}),
    "forecast": Case(
        "rep", lambda w: "/pipeline/forecast",
        lambda w: {"commit": st.integers(0, 10**7).map(str),
                   "best_case": st.integers(0, 10**7).map(str),
                   "period": st.sampled_from(["2026-10-01", "2026-Q4", "2027-01-01"])},
        {"forecast_submissions": {0, 1}}, required=("commit", "best_case", "period")),
    "forecast override": Case(
        "manager", lambda w: "/pipeline/forecast/team",
        lambda w: {"rep_id": st.sampled_from([str(w.rep.id), str(w.admin.id)]),
                   "commit": st.integers(0, 10**7).map(str), "note": text,
                   "period": st.sampled_from(["2026-10-01", "2026-Q4"])},
        {"forecast_overrides": {0, 1, -1}}, required=("rep_id", "period")),
    "qualification": Case(
        "rep", lambda w: f"/pipeline/opportunities/{w.opportunity.id}/qualify",
        lambda w: {"metrics": text, "economic_buyer": text, "item_1": text,
                   "qualified_anyway": st.sampled_from(["y", ""]), "reason": text},
        {"qualification_answers": set(range(-10, 11)), "qualification_overrides": {-1, 0, 1},
         "opportunities": {0}, "opportunity_changes": {0, 1, 2},
         "accounts": {0},  # the deal's account: its briefcase version goes up
         # the owner's totals, rebuilt when the qualified flag moves (webapp/models/aggregates.py)
         "deal_totals": {-1, 0, 1}, "account_totals": {0}, "totals_owners": {0, 1}}),
    "one-to-one notes": Case(
        "manager", lambda w: f"/pipeline/one-to-ones/{w.rep.id}/2026-11-23",
        lambda w: {"notes": text}, {"one_to_ones": {0, 1}}),
    "market intel": Case(
        "manager", lambda w: f"/pipeline/one-to-ones/{w.rep.id}/2026-11-23/intel",
        lambda w: {"body": st.sampled_from(["Acme is hiring", "Ümlaut news"]),
                   "audience": st.sampled_from(["rep", "team"])},
        {"intel_items": {1}}, required=("body",)),
}


def _world(make) -> World:
    """Made once per test (hypothesis runs many examples on one fixture set-up)."""
    cache = getattr(_world, "cache", None)
    if cache is not None and cache[0] is make:
        return cache[1]
    with make.one_transaction():
        manager = make.user("manager", name="Manager A")
        other_manager = make.user("manager", name="Manager B")
        rep = make.user("rep", manager=manager, name="Rep A")
        target = make.user("rep", manager=manager, name="Spare Rep")
        admin = make.user("admin", name="Admin")
        account = make.account(owner=rep)
        opportunity = make.opportunity(account)
        territory = m.Territory(name="North", owner_id=rep.id)
        plan = m.ChangePlan(name="Realignment", announced_on=date(2026, 11, 23),
                            cutoff_on=date(2026, 11, 22), effective_on=date(2026, 12, 7),
                            created_by_id=manager.id)
        db.session.add_all([territory, plan])
    world = World(rep, manager, admin, target, account, opportunity, territory, plan,
                  other_manager)
    _world.cache = (make, world)
    return world


def _form(data, case: Case, world: World) -> dict:
    """Some fields (maybe none) garbage, the rest valid or left out, plus unknown fields."""
    valid = case.fields(world)
    garbage = case.garbage(world)
    broken = data.draw(st.sets(st.sampled_from(sorted(valid)), max_size=2), label="broken")
    form = {}
    for name, strategy in valid.items():
        if name in broken:
            value = data.draw(garbage.get(name, anything), label=name)
        elif name in case.required:
            value = data.draw(strategy, label=name)
        else:
            value = data.draw(st.one_of(st.none(), strategy), label=name)
        if value is not None:
            form[name] = value
    for name, value in data.draw(extra_fields, label="extra").items():
        form.setdefault(name, value)
    return form


@pytest.mark.parametrize("name", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_form_handlers_never_fail_and_never_half_write(app, make, name, data):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = \
        "100000 per minute"
    case = CASES[name]
    db.session.rollback()  # the requests share this session: never start from a failed one
    world = _world(make)
    client = app.test_client()
    user = None
    if case.persona != "anonymous":
        user = getattr(world, case.persona)
        sign_in_as(app, client, user)
    form = _form(data, case, world)
    before = _snapshot()
    response = client.post(case.url(world), data=form)
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    after = _snapshot()
    changed = {t for t in before if before[t] != after[t]}
    if response.status_code != 303:
        assert response.status_code in REFUSALS | {200, 401}, response.status_code
        assert not changed, f"{response.status_code} but {sorted(changed)} changed"
        return
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert changed <= case.may_change.keys(), f"unexpected writes to {changed}"
    for table in changed:
        delta = len(after[table]) - len(before[table])
        assert delta in case.may_change[table], f"{table}: {delta:+d} rows"
    if case.after_303:
        case.after_303(world, form, user)


# Found by the properties above (500s on PostgreSQL), kept as plain examples.

def test_a_nul_character_in_any_form_or_search_is_dropped_not_a_500(app, make):
    world = _world(make)
    client = sign_in_as(app, app.test_client(), world.manager)
    response = client.post("/territories/new", data={"name": "West\x00", "owner_id": "0"})
    assert response.status_code == 303
    assert db.session.scalar(select(m.Territory.name).where(m.Territory.name == "West"))
    assert client.post("/territories/new", data={"name": "\x00", "owner_id": "0"}
                       ).status_code == 400
    assert client.get("/accounts/?q=a\x00b").status_code == 200


def test_moving_an_account_with_an_impossible_id_is_refused_not_a_500(app, make):
    world = _world(make)
    client = sign_in_as(app, app.test_client(), world.manager)
    for account_id in (str(2**40), "²", "-1", "1e3"):
        response = client.post(f"/territories/plans/{world.plan.id}/move",
                               data={"account_id": account_id, "territory_id": world.territory.id})
        assert response.status_code == 400, account_id


# --- Every route, from the URL map ----------------------------------------------------------
# Each class of edge input the fault campaign (issue 11) turned into 500s, sent to every route
# the app has (read from its URL map, so a new route is covered the day it is added), signed in
# as each kind of user or not at all. Never a 500; a refusal changes nothing; no NUL reaches a
# table; a redirect stays on this site and carries no header injection.

def _route_table() -> list[tuple[str, str]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "url-map-only",
                      "TESTING": True})
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static"
                  for method in rule.methods & {"GET", "POST"})


ROUTES = _route_table()
PERSONAS = ("anonymous", "rep", "manager", "admin")
WRITES_NOT_FORMS = st.sampled_from([
    ("application/json", b'{"body": 123, "account_id": "1", "notes": "a\\u0000b"}'),
    ("application/json", b'{"csrf_token": null, "name": ["x"]}'),
    ("application/json", b"{not json"),
    ("text/plain", b"body=a\x00b"),
    ("application/xml", b"<note><body>a</body></note>"),
    ("application/octet-stream", b"\x00\x01\x02"),
])
BIG_NUMBERS = st.sampled_from([str(2**31), str(2**63), "-" + str(2**31 + 1), "9" * 40, "0",
                               "-1", "1e9", "²"])
ODD_TEXT = st.sampled_from(["a\x00b", "\x00", "0001-01-01", "9999-12-27", "9999-12-31",
                            "0000-00-00", "\r\nSet-Cookie: x=1", "/\r\n/evil", "%0d%0a",
                            "x" * 3000, "..", "🙂"])
PARAMETERS = ("next", "before", "rep_id", "account_id", "months", "period", "q", "sort",
              "action", "ticket", "v", "which", "week", "id", "page")
# (Not a broken "xn--" label: werkzeug's test client itself cannot decode one for its cookies.)
LONG_LABEL_HOSTS = st.sampled_from(["a" * 64 + ".example.com", "a" * 64, "a" * 300, "..",
                                    "a..b", "localhost:99999999999", "[::1"])


def _path(rule: str, world: World, edge: tuple[str, str] | None = None) -> str:
    """The rule with its variables filled from the world, except `edge` (name, raw value)."""
    real = {"account_id": world.account.id, "user_id": world.target.id,
            "rep_id": world.rep.id, "opportunity_id": world.opportunity.id,
            "territory_id": world.territory.id, "plan_id": world.plan.id, "item_id": 1,
            "commitment_id": 1, "contact_id": 1, "note_id": 1, "meeting_id": 1, "token": "no-such-upload", "kind": "accounts",
            "draft_id": 1,
            "week": "2026-11-23", "reference_id": world.account.id}

    def fill(match):
        name = match.group(2)
        if edge and edge[0] == name:
            return quote(edge[1], safe="")
        return str(real[name])

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)


def _variables(rule: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", rule)


def _nul_anywhere(rows: dict[str, list[tuple]]) -> list[str]:
    """The tables holding a text value with a NUL in it, in any column (SQLite only:
    PostgreSQL cannot even store one, it fails the statement instead)."""
    return [name for name, table in rows.items()
            if any(isinstance(value, str) and "\x00" in value for row in table for value in row)]


def _send(app, world, persona, method, path, **kwargs):
    client = app.test_client()
    if persona != "anonymous":
        cookie = world.ids.get(("cookie", persona))
        if "logout" in path:  # signing out ends the session: a session of its own
            sign_in_as(app, client, getattr(world, persona))
        elif cookie is None:
            sign_in_as(app, client, getattr(world, persona))
            with client.session_transaction() as session:
                world.ids[("cookie", persona)] = dict(session)
        else:
            with client.session_transaction() as session:
                session.update(cookie)
                session.permanent = True
    return client.open(path, method=method, **kwargs)


def _check(response, before, method):
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    location = response.headers.get("Location", "")
    assert "\r" not in location and "\n" not in location
    if location:
        assert location.startswith("/") and not location.startswith("//"), location
    nul_check = method == "POST" and db.session.get_bind().dialect.name == "sqlite"
    unchanged = response.status_code not in (200, 302, 303) or method == "GET"
    if nul_check or unchanged:
        after = _all_rows()
        if nul_check:
            assert not _nul_anywhere(after)
        if unchanged:
            assert _compared(after) == before, f"{method} answered {response.status_code} but wrote"


EDGE_CLASSES = ("path variable", "parameters", "host", "body not a form", "file upload")
ROUTE_CASES = [(rule, method, edge) for rule, method in ROUTES for edge in EDGE_CLASSES
               if not (edge == "path variable" and not _variables(rule))
               and not (edge in ("body not a form", "file upload") and method != "POST")]
# No shrinking: the draws are few and named, a failure prints them as they are.
EDGE_SETTINGS = settings(SETTINGS, max_examples=2,
                         phases=[Phase.explicit, Phase.reuse, Phase.generate])


# A bad Host header and a body that is not a form never reach the database with what was sent
# (the address is refused, the form is empty): they are the app's alone and run on SQLite only.
# Odd path variables, parameters and uploads do reach it, and run on both databases.
APP_ONLY_EDGES = ("host", "body not a form")


@pytest.mark.parametrize("rule,method,edge", [
    pytest.param(r, m, e, id=f"{m} {r} {e}",
                 marks=[pytest.mark.backend("sqlite")] if e in APP_ONLY_EDGES else [])
    for r, m, e in ROUTE_CASES])
@EDGE_SETTINGS
@given(data=st.data())
def test_every_route_answers_edge_input_without_a_500(app, make, rule, method, edge, data):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = \
        "100000 per minute"
    # An upload's check would run in a thread and change import_jobs under the comparison.
    app.config["IMPORT_RUNNER"] = "worker"
    db.session.rollback()
    world = _world(make)
    persona = data.draw(st.sampled_from(PERSONAS), label="persona")
    kwargs: dict = {}
    path = _path(rule, world)
    if edge == "path variable":
        name = data.draw(st.sampled_from(_variables(rule)), label="variable")
        path = _path(rule, world, (name, data.draw(st.one_of(BIG_NUMBERS, ODD_TEXT),
                                                   label="value")))
    elif edge == "parameters":
        values = st.one_of(BIG_NUMBERS, ODD_TEXT)
        chosen = data.draw(st.dictionaries(st.sampled_from(PARAMETERS), values, min_size=1,
                                           max_size=3), label="parameters")
        kwargs["query_string"] = chosen
        if method == "POST":
            kwargs["data"] = chosen
    elif edge == "host":
        kwargs["headers"] = {"Host": data.draw(LONG_LABEL_HOSTS, label="host")}
    elif edge == "body not a form":
        content_type, body = data.draw(WRITES_NOT_FORMS, label="body")
        kwargs.update(data=body, content_type=content_type)
    else:
        name = data.draw(st.sampled_from(["a\x00b.csv", "\x00", "../../etc/passwd\x00.csv",
                                          "ok.csv"]), label="filename")
        content = data.draw(st.sampled_from([b"Account Name\x00,City\r\nAc\x00me,Chi\r\n",
                                             b"\x00\x00\x00", b"Account Name\r\nAcme\r\n"]),
                            label="content")
        kwargs.update(data={"kind": "auto", "file": (io.BytesIO(content), name)},
                      content_type="multipart/form-data")
    before = _snapshot()
    response = _send(app, world, persona, method, path, **kwargs)
    if edge == "body not a form":
        assert response.status_code == 415, response.status_code
    _check(response, before, method)


# A `next` holding a control character (CR/LF would split the Location header) on the two
# routes that redirect to one, on their success path: sent home or back, never a 500.
CONTROL = st.sampled_from(["\r", "\n", "\r\n", "\t", "\x0b", "\x7f", "\r\nSet-Cookie: x=1"])
TAINTED_NEXT = st.builds(lambda before, bad, after: "/" + before + bad + after,
                         text, CONTROL, text)


@settings(SETTINGS, max_examples=15)
@given(next_path=TAINTED_NEXT)
def test_a_next_with_a_line_break_after_sign_in_goes_home(app, make, next_path):
    world = _world(make)
    client = app.test_client()
    response = client.post("/login", data={"email": world.target.email, "password": PASSWORD,
                                           "next": next_path})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@settings(SETTINGS, max_examples=15)
@given(next_path=TAINTED_NEXT)
def test_a_next_with_a_line_break_after_resolving_a_commitment_goes_back_to_the_account(
        app, make, next_path):
    world = _world(make)
    commitment = world.ids.get("commitment")
    if commitment is None:
        row = m.Commitment(account_id=world.account.id, party="ours", description="Send a quote")
        db.session.add(row)
        db.session.commit()
        commitment = world.ids["commitment"] = row.id
    client = sign_in_as(app, app.test_client(), world.rep)
    response = client.post(f"/meetings/commitments/{commitment}",
                           data={"kept": "yes", "next": next_path})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts/{world.account.id}#commitments"


# The fault campaign's own examples (issue 11), each a 500 before, kept as plain tests.

def test_a_json_body_is_refused_and_stores_nothing(app, make):
    world = _world(make)
    client = sign_in_as(app, app.test_client(), world.rep)
    before = _snapshot()
    for body in (b'{"body": 123, "account_id": 1}', b'{"body": "a\\u0000b"}'):
        response = client.post("/notes/new", data=body, content_type="application/json")
        assert response.status_code == 415
    assert _snapshot() == before


def test_numbers_beyond_the_database_integer_are_not_a_500(app, make):
    world = _world(make)
    admin = sign_in_as(app, app.test_client(), world.admin)
    assert admin.get(f"/admin/audit?before={2**40}").status_code == 200
    manager = sign_in_as(app, app.test_client(), world.manager)
    response = manager.post("/pipeline/forecast/team",
                            data={"rep_id": str(2**40), "commit": "1", "period": "2026-10-01"})
    assert response.status_code == 404


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-27", "9999-12-31"])
def test_a_one_to_one_at_the_ends_of_the_calendar_is_not_found(app, make, week):
    world = _world(make)
    client = sign_in_as(app, app.test_client(), world.manager)
    assert client.get(f"/pipeline/one-to-ones/{world.rep.id}/{week}").status_code == 404
    assert client.post(f"/pipeline/one-to-ones/{world.rep.id}/{week}/intel",
                       data={"body": "x", "audience": "team"}).status_code == 404


def test_a_nul_in_an_upload_or_an_import_address_is_not_a_500(app, make):
    world = _world(make)
    client = sign_in_as(app, app.test_client(), world.manager)
    assert client.get("/imports/a%00b").status_code == 404
    assert client.post("/imports/%00/discard").status_code == 404
    response = client.post("/imports/", content_type="multipart/form-data", data={
        "kind": "auto",
        "file": (io.BytesIO(b"Account Na\x00me,City\r\nAc\x00me,Chicago\r\n"), "a\x00b.csv")})
    assert response.status_code == 303
    deadline = time.monotonic() + 30
    while True:  # the check runs in a thread of the app: wait for it, on both databases
        with reading():  # and never hold SQLite's write lock while it works
            job = db.session.execute(select(m.ImportJob.status, m.ImportJob.filename,
                                            m.ImportJob.headers)
                                     .order_by(m.ImportJob.id.desc())).first()
            db.session.rollback()
        if job.status != "checking":
            break
        assert time.monotonic() < deadline, "the upload's check did not finish"
        time.sleep(0.05)
    assert job.filename == "ab.csv"
    assert job.headers == ["Account Name", "City"]
    assert job.status == "checked"


def test_a_host_name_with_a_label_over_63_characters_is_a_bad_request(app):
    response = app.test_client().get("/login", headers={"Host": "a" * 64 + ".example.com"})
    assert response.status_code == 400
