"""Authorization matrix: every route of the app's URL map × six personas, against RULES.

A route that is missing from tests/support/matrix.py RULES fails the test, so a new route
cannot ship without someone deciding who may use it.
"""
from __future__ import annotations

from tests.support.matrix import (DATA, KINDS, PARAMS, PERSONAS, RULES,
                                  SENDS_TO_SIGN_IN_BY_DESIGN, build_world, kind_of)
from tests.support.security import sign_in_as

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods & set(METHODS)):
            yield rule, method


def test_every_route_has_an_authorization_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted({f"{rule.endpoint} {method}" for rule, method in _routes(app)
                      if kind_of(rule.endpoint, method) is None})
    assert not missing, ("Routes without an authorization rule; add them to RULES in "
                         f"tests/support/matrix.py: {missing}")
    unknown = sorted(RULES.keys() - endpoints)
    assert not unknown, f"RULES names endpoints that no longer exist: {unknown}"
    kinds = {k for v in RULES.values() for k in (v.values() if isinstance(v, dict) else [v])}
    assert kinds <= KINDS.keys()


def _outcome(persona, endpoint, kind, response) -> str:
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if kind == "not_configured":
        return "refused" if status == 404 else f"answered {status}"
    location = response.headers.get("Location", "")
    to_sign_in = status == 302 and location.startswith("/login")
    if persona == "anonymous" and (status == 401 or to_sign_in) \
            and endpoint not in SENDS_TO_SIGN_IN_BY_DESIGN:
        return "refused"
    if persona != "anonymous" and status == 404:  # the same 404 as a thing that is not there
        return "refused"
    if status in (401, 403, 404):
        return f"refused oddly ({status})"
    return "allowed"


def test_authorization_matrix(app, make):
    world = build_world(make)
    failures = []
    for rule, method in _routes(app):
        kind = kind_of(rule.endpoint, method)
        if kind is None:
            continue  # reported by test_every_route_has_an_authorization_rule
        missing = [a for a in rule.arguments if a not in PARAMS]
        if missing:
            failures.append(f"{rule.endpoint}: add {missing} to PARAMS")
            continue
        url = rule.build({a: PARAMS[a](world) for a in rule.arguments}, append_unknown=False)[1]
        data = DATA[rule.endpoint](world) if rule.endpoint in DATA else {}
        for persona in PERSONAS:
            client = app.test_client()
            if persona != "anonymous":
                sign_in_as(app, client, world.users[persona])
            if method == "GET":
                response = client.get(url, query_string=data)
            else:
                response = client.open(url, method=method, data=data)
            expected = "allowed" if persona in KINDS[kind] else "refused"
            got = _outcome(persona, rule.endpoint, kind, response)
            if got != expected:
                failures.append(f"{method} {url} ({rule.endpoint}, {kind}) as {persona}: "
                                f"expected {expected}, got {got}")
    assert not failures, "\n".join(failures)
