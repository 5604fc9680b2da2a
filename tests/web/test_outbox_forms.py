"""The offline forms and the server's list of replayable writes agree.

A form marked `data-outbox` is sent through the phone's outbox (static/js/app.js), which may
replay it days later, e.g. while a temporary password waits to be changed: the server only
lets the writes in `REPLAYABLE_WRITES` through then (webapp/auth/routes.py), and the outbox
deletes its copy on any answer it takes as confirmed. So every outbox form must post to a
replayable endpoint, and every replayable endpoint must have an outbox form: a new offline form
cannot be forgotten on either side."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import update
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.support.matrix import DATA, KINDS, PARAMS, build_world, kind_of
from tests.support.security import sign_in_as
from webapp.hooks import REPLAYABLE_WRITES
from webapp.extensions import db
from webapp.models import AccountSuccess
from webapp.models import Opportunity

ROOT = Path(__file__).resolve().parents[2]
# A <form ...> start tag, Jinja tags inside it included ({% if %} holds a ">").
FORM_TAG = re.compile(r"<form\b(?:\{\{.*?\}\}|\{%.*?%\}|[^>])*>", re.S)
OUTBOX_ATTR = re.compile(r"\sdata-outbox(?:=\"([^\"]*)\")?(?![\w-])")
URL_FOR = re.compile(r"""^\{\{\s*url_for\(\s*['"]([\w.]+)['"]""")
VARIABLE = re.compile(r"^\{\{\s*(\w+)\s*\}\}$")


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf"\s{name}=\"([^\"]*)\"", tag)
    return found.group(1) if found else None


def _outbox_forms_in_templates() -> list[tuple[str, str, str | None, str | None]]:
    """(template, outbox kind, method, the endpoint its action names) for every outbox form."""
    forms = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = path.read_text()
        name = path.relative_to(ROOT / "templates").as_posix()
        for tag in FORM_TAG.findall(source):
            marked = OUTBOX_ATTR.search(tag)
            if not marked:
                continue
            action = _attr(tag, "action") or ""
            endpoint = None
            if URL_FOR.match(action):
                endpoint = URL_FOR.match(action).group(1)
            elif VARIABLE.match(action):  # {% set action = url_for('…') %} in the same file
                variable = VARIABLE.match(action).group(1)
                found = re.search(rf"{{%-?\s*set\s+{variable}\s*=\s*url_for\(\s*['\"]([\w.]+)['\"]",
                                  source)
                endpoint = found.group(1) if found else None
            forms.append((name, marked.group(1) or "", (_attr(tag, "method") or "").lower(),
                          endpoint))
    return forms


def _kinds_the_outbox_knows() -> set[str]:
    source = (ROOT / "static" / "js" / "page.js").read_text()
    labels = re.search(r"KIND_LABELS\s*=\s*\{([^}]*)\}", source).group(1)
    return set(re.findall(r"(\w+)\s*:", labels))


def test_every_outbox_form_in_the_templates_posts_to_a_replayable_write():
    forms = _outbox_forms_in_templates()
    assert forms, "no data-outbox form found: has the marker changed?"
    unclear = [f"{t}: action must be url_for(...) or a variable set from url_for"
               for t, _, _, endpoint in forms if endpoint is None]
    assert not unclear, "\n".join(unclear)
    not_posted = [t for t, _, method, _ in forms if method != "post"]
    assert not not_posted, f"outbox forms must use method=post: {not_posted}"
    not_replayable = sorted({f"{t} → {e}" for t, _, _, e in forms if e not in REPLAYABLE_WRITES})
    assert not not_replayable, ("forms marked data-outbox whose endpoint is not in "
                                f"REPLAYABLE_WRITES (webapp/auth/routes.py): {not_replayable}")
    without_form = sorted(REPLAYABLE_WRITES - {e for *_, e in forms})
    assert not without_form, f"REPLAYABLE_WRITES with no data-outbox form: {without_form}"
    unknown_kinds = sorted({f"{t}: {k!r}" for t, k, _, _ in forms
                            if k not in _kinds_the_outbox_knows()})
    assert not unknown_kinds, f"data-outbox kinds page.js has no label for: {unknown_kinds}"


def _outbox_actions(html: str) -> list[str]:
    return [_attr(tag, "action") or "" for tag in FORM_TAG.findall(html)
            if OUTBOX_ATTR.search(tag)]


def test_the_pages_a_rep_gets_have_outbox_forms_for_exactly_the_replayable_writes(app, make):
    """The same, on the pages as served (every GET page of the URL map for rep A, plus the
    conflict screen an opportunity update can answer with)."""
    world = build_world(make)
    client = sign_in_as(app, app.test_client(), world.users["rep_a"])
    pages = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint == "static" \
                or "rep_a" not in KINDS.get(kind_of(rule.endpoint, "GET"), ()):
            continue
        url = rule.build({a: PARAMS[a](world) for a in rule.arguments}, append_unknown=False)[1]
        query = DATA[rule.endpoint](world) if rule.endpoint in DATA else {}
        response = client.get(url, query_string=query)
        if response.mimetype == "text/html":
            pages[rule.endpoint] = response.get_data(as_text=True)
    for extra in (f"/meetings/new?account_id={world.account.id}",
                  f"/notes/new?account_id={world.account.id}"):
        pages[extra] = client.get(extra).get_data(as_text=True)
    # A deal closed a moment ago: its page offers the reopen form.
    closed = make.opportunity(world.account, name="Closed a moment ago")
    assert client.post(f"/opportunities/{closed.id}/close", data={
        "outcome": "lost", "reason": "timing", "confirm": "yes"}).status_code == 303
    pages["closed deal"] = client.get(f"/opportunities/{closed.id}").get_data(as_text=True)
    # Someone else changed the opportunity meanwhile: the answer is the conflict screen.
    stale = world.opportunity.version
    db.session.execute(update(Opportunity).where(Opportunity.id == world.opportunity.id)
                       .values(version=Opportunity.version + 1, next_step="Theirs"))
    db.session.commit()
    conflict = client.post(f"/opportunities/{world.opportunity.id}",
                           data={"version": stale, "next_step": "Mine"})
    assert conflict.status_code == 409
    pages["conflict"] = conflict.get_data(as_text=True)
    # A happy customer of rep A: their page has the success form, and the prospect's reference
    # lunch page offers to ask them to host (issue 14 items 4 and 6).
    happy = make.account(owner=world.users["rep_a"], industry=world.account.industry,
                         status="customer")
    db.session.add(AccountSuccess(account_id=happy.id, health="good", health_reason="",
                                  outcome="", reference_willing=True))
    db.session.commit()
    pages["customer"] = client.get(f"/accounts/{happy.id}").get_data(as_text=True)
    pages["references"] = client.get(f"/accounts/{world.account.id}/references").get_data(
        as_text=True)

    adapter = app.url_map.bind("localhost")
    seen, problems = set(), []
    for page, html in pages.items():
        for action in _outbox_actions(html):
            try:
                endpoint, _ = adapter.match(action.split("?")[0], method="POST")
            except (NotFound, MethodNotAllowed):
                problems.append(f"{page}: outbox form posts to {action!r}, which takes no POST")
                continue
            seen.add(endpoint)
            if endpoint not in REPLAYABLE_WRITES:
                problems.append(f"{page}: outbox form posts to {endpoint}, not replayable")
    assert not problems, "\n".join(problems)
    assert seen == REPLAYABLE_WRITES, f"replayable but no page has its form: " \
                                      f"{sorted(REPLAYABLE_WRITES - seen)}"
