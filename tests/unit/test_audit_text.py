"""Audit events in words, without a database: what an admin reads for each kind of event."""
from __future__ import annotations

import json
from types import SimpleNamespace

from webapp.admin.audit_text import describe, mentioned_ids


def _event(action, target_type="", target_id="", **detail):
    return SimpleNamespace(action=action, target_type=target_type, target_id=str(target_id),
                           detail=json.dumps(detail))


def test_a_failed_sign_in_names_the_typed_address_when_nobody_matched():
    line = describe(_event("auth.sign_in_failed", "user", "", email="who@example.com",
                           method="password"), None, None, None, {}, {})
    assert (line.who, line.what) == ("who@example.com", "sign-in failed")
    assert (line.target, line.details) == ("", ["method: password"])


def test_imports_exports_and_unknown_actions_read_as_words():
    assert describe(_event("import.accounts.undone"), "Ada", None, None, {}, {}).what == \
        "undid the import of accounts"
    assert describe(_event("export.accounts"), "Ada", None, None, {}, {}).what == \
        "exported accounts"
    assert describe(_event("billing.plan_changed"), "Ada", None, None, {}, {}).what == \
        "billing: plan changed"


def test_user_ids_in_details_are_looked_up_once_and_shown_as_names():
    events = [_event("territory.owner_changed", "territory", 4, name="North",
                     owner_id=[7, 9]),
              _event("account.owner_changed", "account", 12, owner_id=[9, None])]
    assert mentioned_ids(events) == ({7, 9}, {12})
    line = describe(events[0], "Mona", None, None, {7: "Ana", 9: "Ben"}, {})
    assert (line.target, line.details) == ("North", ["owner: Ana → Ben"])
    moved = describe(events[1], "Mona", None, None, {9: "Ben"}, {12: "Harbor"})
    assert (moved.target, moved.details) == ("Harbor", ["owner: Ben → nobody"])


def test_a_damaged_detail_is_shown_not_fatal():
    event = SimpleNamespace(action="user.changed", target_type="user", target_id="3",
                            detail="{not json")
    assert describe(event, "Ada", None, "Sam", {}, {}).details == ["detail: {not json"]
