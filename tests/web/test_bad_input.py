"""Whatever a client sends to the write routes: never a 500, and either the whole write or none."""
from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Account, Commitment, Meeting, Note, Opportunity, OpportunityChange

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
OK_STATUSES = {303, 400, 404, 409}

# Text a browser can send (no lone surrogates: they cannot be encoded as UTF-8).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
numbers = st.one_of(st.integers(-10, 10), st.integers(-2**70, 2**70)).map(str)
dates = st.one_of(st.dates().map(str), st.sampled_from(
    ["2026-02-30", "2026-13-01", "0000-01-01", "20266-01-01", "2026-11-20T10:00", "today", ""]))
datetimes = st.one_of(st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")), dates)
amounts = st.one_of(numbers, st.decimals(allow_nan=True, allow_infinity=True).map(str),
                    st.sampled_from(["$1,000", "1e400", "-0", "sNaN", " 12 "]))
anything = st.one_of(text, numbers, dates, amounts, st.just("\x00"), st.text(min_size=490,
                                                                               max_size=10_050))
client_ids = st.one_of(st.just(None), st.uuids().map(str), text)


def _form(draw_fields: dict) -> dict:
    return {k: v for k, v in draw_fields.items() if v is not None}


def _counts() -> dict:
    # A failed example must not leave this shared session's transaction aborted for the next
    # (hypothesis would then report "flaky" instead of the real failure while shrinking).
    db.session.rollback()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Meeting, Commitment, Note, Opportunity, OpportunityChange)}


def _optional(strategy):
    return st.one_of(st.none(), strategy)


def _mostly_valid(data, valid: dict, garbage: dict, required=()) -> dict:
    """A form where a few fields (maybe none) are garbage and the rest valid or left out."""
    broken = data.draw(st.sets(st.sampled_from(sorted(valid)), max_size=2))
    form = {}
    for name, strategy in valid.items():
        if name in broken:
            chosen = garbage.get(name, anything)
        else:
            chosen = strategy if name in required else _optional(strategy)
        form[name] = data.draw(chosen, label=name)
    return _form(form)


@SETTINGS
@given(data=st.data())
def test_log_meeting_never_fails_and_never_half_saves(client, make, login, data):
    rep, account, foreign = _world(make, login, "meeting")
    form = _mostly_valid(data, {
        "client_id": st.uuids().map(str),
        "account_id": st.just(str(account)),
        "notes": st.text(min_size=1, max_size=30).filter(lambda t: t.replace("\x00", "").strip()),
        "started_at": st.sampled_from(["2026-11-20T10:00", "2026-11-23T08:59"]),
        "kind": st.sampled_from(["video", "lunch", "in_person"]),
        "duration_minutes": st.integers(1, 600).map(str),
        "location": text,
        "attendees": text,
        "engagement": st.integers(1, 5).map(str),
        "their_commitment": text,
        # A date alone (without what was promised) is refused: garbage, below.
        "their_due_on": st.just(""),
        "our_commitment": text,
        "our_due_on": st.just(""),
        "is_first_meeting": st.just("y"),
        "opportunity_id": st.just(""),
    }, {
        "account_id": st.one_of(st.just(str(foreign)), numbers, text),
        "client_id": client_ids,
        "started_at": datetimes,
        "their_due_on": st.one_of(dates, st.dates(min_value=date(2026, 1, 1),
                                                  max_value=date(2027, 1, 1)).map(str)),
        "our_due_on": dates,
        "engagement": numbers,
        "duration_minutes": numbers,
    }, required=("account_id", "notes"))
    before = _counts()
    response = client.post("/meetings/new", data=form)
    event(f"status {response.status_code}")
    assert response.status_code in OK_STATUSES
    after = _counts()
    if response.status_code == 303 and after["Meeting"] == before["Meeting"] + 1:
        meeting = db.session.scalar(select(Meeting).order_by(Meeting.id.desc()).limit(1))
        promised = sum(1 for key in ("their_commitment", "our_commitment")
                       if form.get(key, "").replace("\x00", "").strip())
        assert after["Commitment"] == before["Commitment"] + promised
        assert meeting.notes.strip() and meeting.account_id == account
        assert db.session.get(Account, account).last_touch_at is not None
    else:
        assert after == before


@SETTINGS
@given(data=st.data())
def test_quick_note_never_fails_and_never_half_saves(client, make, login, data):
    _rep, account, foreign = _world(make, login, "note")
    form = _form({
        "client_id": data.draw(client_ids),
        "account_id": data.draw(_optional(st.one_of(st.sampled_from([str(account), str(foreign),
                                                                     ""]), numbers, text))),
        "body": data.draw(_optional(anything)),
    })
    before = _counts()
    response = client.post("/notes/new", data=form)
    assert response.status_code in OK_STATUSES
    after = _counts()
    if response.status_code != 303:
        assert after == before
    else:
        assert after["Note"] in (before["Note"], before["Note"] + 1)


@SETTINGS
@given(data=st.data())
def test_opportunity_update_never_fails_and_applies_all_or_nothing(client, make, login, data):
    _rep, account, _foreign = _world(make, login, "opportunity")
    opp_id = _world.opportunity
    db.session.expire_all()
    version = db.session.get(Opportunity, opp_id).version
    form = _mostly_valid(data, {
        "client_id": st.uuids().map(str),
        "version": st.just(str(version)),
        "stage": st.sampled_from(["won", "lost", "qualified", "proposal"]),
        "amount": st.decimals(0, 10**9, places=2).map(str),
        "close_on": st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)).map(str),
        "next_step": text,
        "next_step_on": st.sampled_from(["", "2026-12-01"]),
        "qualified": st.sampled_from(["y", "n"]),
        "forecast_category": st.sampled_from(["commit", "pipeline"]),
    }, {
        "client_id": client_ids,
        "version": st.one_of(st.just(str(version - 1)), numbers, text),
        "stage": st.one_of(st.sampled_from(["", "bribed"]), text),
        "amount": amounts,
        "close_on": dates,
        "next_step_on": dates,
        "qualified": st.sampled_from(["", "maybe"]),
        "forecast_category": st.sampled_from(["nope", ""]),
    }, required=("version",))
    before = _counts()
    response = client.post(f"/opportunities/{opp_id}", data=form)
    event(f"status {response.status_code}")
    assert response.status_code in OK_STATUSES
    after = _counts()
    db.session.expire_all()
    new_version = db.session.get(Opportunity, opp_id).version
    if response.status_code == 303 and new_version != version:
        assert new_version == version + 1
        assert after["OpportunityChange"] > before["OpportunityChange"]
    else:
        assert new_version == version and after == before


@SETTINGS
@given(data=st.data())
def test_new_opportunity_and_commitment_routes_never_fail(client, make, login, data):
    _rep, account, foreign = _world(make, login, "create")
    before = _counts()
    response = client.post("/opportunities/new", data=_form({
        "client_id": data.draw(client_ids),
        "account_id": data.draw(st.one_of(st.sampled_from([str(account), str(foreign)]), numbers,
                                          text)),
        "name": data.draw(_optional(anything)),
        "amount": data.draw(_optional(amounts)),
        "close_on": data.draw(_optional(dates)),
        "stage": data.draw(_optional(st.one_of(st.sampled_from(["won", "qualified"]), text))),
    }))
    assert response.status_code in OK_STATUSES
    after = _counts()
    assert after["Opportunity"] == before["Opportunity"] + (1 if response.status_code == 303 and
                                                            after != before else 0)
    resolve = client.post(f"/meetings/commitments/{data.draw(st.integers(0, 2**64))}",
                          data=_form({"kept": data.draw(_optional(text)),
                                      "next": data.draw(_optional(text))}))
    assert resolve.status_code in OK_STATUSES


def _world(make, login, key):
    """One rep with an account (and a deal), another rep's account; made once per test.

    Cached on the test's own `make` fixture object (kept alive here, so a later test can never
    be mistaken for this one), because hypothesis runs many examples per fixture set-up."""
    cache = getattr(_world, "cache", None)
    if cache is None or cache[0] is not make or cache[1] != key:
        rep, other = make.user("rep"), make.user("rep")
        account = make.account(owner=rep)
        foreign = make.account(owner=other)
        _world.opportunity = make.opportunity(account).id
        login(rep)
        cache = _world.cache = (make, key, (rep, account.id, foreign.id))
    return cache[2]


def test_ids_beyond_the_database_integer_range_are_404_not_500(client, make, login):
    rep = make.user("rep")
    account = make.account(owner=rep)
    login(rep)
    huge = str(2**40)
    assert client.get(f"/meetings/new?account_id={huge}").status_code == 404
    assert client.get(f"/notes/new?account_id={huge}").status_code == 404
    assert client.get(f"/opportunities/new?account_id={huge}").status_code == 404
    assert client.get(f"/opportunities/{huge}").status_code == 404
    assert client.post(f"/meetings/commitments/{huge}", data={"kept": "yes"}).status_code == 404
    assert client.post("/notes/new", data={"account_id": huge, "body": "x"}).status_code == 404
    assert client.post("/opportunities/new", data={"account_id": huge, "name": "x"}).status_code == 404
    meeting = client.post("/meetings/new", data={"account_id": huge, "notes": "x"})
    assert meeting.status_code == 400 and b"Choose the account." in meeting.data
    with_opp = client.post("/meetings/new", data={"account_id": account.id, "notes": "x",
                                                  "opportunity_id": huge})
    assert with_opp.status_code == 400
