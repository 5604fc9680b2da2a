"""CSRF on every state-changing route (forms and htmx), and an XSS corpus through the text
fields people type, checked on every page and fragment that renders them."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from tests.support.matrix import DATA, KINDS, PARAMS, PERSONAS, build_world, kind_of
from tests.support.security import sign_in_as
from webapp import models as m
from webapp.extensions import db

CSRF_MESSAGE = b"came from another site"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _url(rule, world):
    return rule.build({a: PARAMS[a](world) for a in rule.arguments}, append_unknown=False)[1]


def _state_changing_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        for method in sorted(rule.methods & STATE_CHANGING):
            yield rule, method


def test_every_state_changing_route_needs_the_csrf_token(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    world = build_world(make)
    checked = []
    for rule, method in _state_changing_routes(app):
        if kind_of(rule.endpoint, method) is None:
            continue  # test_every_route_has_an_authorization_rule reports it
        allowed = [p for p in PERSONAS if p in KINDS[kind_of(rule.endpoint, method)]]
        if not allowed:  # nobody may use it here (feature off, unknown handle)
            continue
        persona = "rep_a" if "rep_a" in allowed else allowed[0]
        # The test's app context outlives requests: forget the previous client's token.
        g.pop("csrf_token", None)
        client = app.test_client()
        if persona != "anonymous":
            sign_in_as(app, client, world.users[persona])
        token = client.get("/sync/token").get_json()["csrf_token"] if persona != "anonymous" \
            else _token_from_login_page(client)
        url = _url(rule, world)
        data = DATA[rule.endpoint](world) if rule.endpoint in DATA else {}

        forged = client.open(url, method=method, data=data)
        assert forged.status_code == 400 and CSRF_MESSAGE in forged.data, (method, url)
        wrong = client.open(url, method=method, data=data, headers={"X-CSRFToken": "x" + token})
        assert wrong.status_code == 400 and CSRF_MESSAGE in wrong.data, (method, url)
        # htmx sends the token in a header (base.html's hx-headers); the outbox does too.
        htmx = client.open(url, method=method, data=data,
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
        assert CSRF_MESSAGE not in htmx.data and htmx.status_code < 500, (method, url)
        checked.append(rule.endpoint)
    assert "auth.login" in checked and "admin.new_user" in checked


def _token_from_login_page(client):
    import re

    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
    "' onmouseover='alert(1)",
]
DANGEROUS = ["<script>alert", "<img src=x onerror", "<svg onload", 'href="javascript:',
             "href='javascript:", "onmouseover='alert", '" onmouseover']

# The text fields people type, per model (enums, e-mails checked by forms and ids excluded).
TYPED_FIELDS = {
    m.Account: ["name", "industry", "street", "city", "region", "website", "phone",
                "customer_goal"],
    m.Contact: ["name", "title", "attention", "previous_companies", "phone"],
    m.Opportunity: ["name", "next_step"],
    m.Meeting: ["notes", "location", "attendees"],
    m.Note: ["body"],
    m.Commitment: ["description"],
    m.Territory: ["description"],
    m.User: ["name"],
    m.ChangePlan: ["name"],
    m.QualificationItem: ["label", "hint"],
}


# Files for the phone's calendar and contacts (downloads, never rendered by the browser; every
# response carries nosniff): they carry what was typed, as typed.
FILES_OUT = {"text/calendar", "text/vcard"}


def test_nothing_anyone_typed_runs_as_script_on_any_page_or_fragment(app, make):
    world = build_world(make)
    for n, (model, fields) in enumerate(TYPED_FIELDS.items()):
        for row in db.session.scalars(select(model)):
            for i, field in enumerate(fields):
                limit = getattr(model, field).type.length or 10_000
                setattr(row, field, (PAYLOADS[(n + i) % len(PAYLOADS)] + f" {row.id}")[:limit])
    db.session.commit()
    # A failed sign-in puts a typed e-mail into the audit log that admins read.
    app.test_client().post("/login", data={"email": PAYLOADS[0], "password": "whatever-long"})

    problems = []
    for persona in ("rep_a", "manager_a", "admin"):
        client = sign_in_as(app, app.test_client(), world.users[persona])
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if persona not in KINDS.get(kind_of(rule.endpoint, "GET"), ()):
                continue
            query = DATA[rule.endpoint](world) if rule.endpoint in DATA else {}
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(_url(rule, world), query_string=query, headers=headers)
                if response.status_code >= 500:
                    problems.append(f"{rule.endpoint} as {persona}: {response.status_code}")
                if response.mimetype in FILES_OUT and response.headers.get(
                        "Content-Disposition", "").startswith("attachment"):
                    continue  # a calendar or contact card keeps the text as typed, and is saved
                body = response.get_data(as_text=True)
                problems += [f"{rule.endpoint} as {persona}: {bad!r}" for bad in DANGEROUS
                             if bad in body]
    assert not problems, "\n".join(sorted(set(problems)))
