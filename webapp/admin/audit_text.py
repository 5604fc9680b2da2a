"""The audit log as an admin reads it: "Dana Field changed Sam Lee: role rep → manager"
instead of "user.changed user 2 {"role": ["rep", "manager"]}". Pure functions over stored
events: no Flask, no database (the names are looked up by the caller, in bounded queries)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from webapp.domain.audit_actions import ACTIONS

# Targets the actor acts on themselves: no need to name them twice.
SELF_TARGETED = {"auth.sign_in", "auth.sign_in_failed", "auth.sign_out", "auth.sign_out_everywhere",
                 "auth.password_changed", "auth.oidc_linked"}
# Detail keys holding user ids (shown as names); the rest are shown as they are.
USER_KEYS = {"owner_id", "manager_id", "user_id", "to_owner_id", "from_owner_id", "to_owner",
             "from_owner"}
KEY_LABELS = {"owner_id": "owner", "manager_id": "manager", "to_owner_id": "to",
              "from_owner_id": "from", "to_owner": "to", "from_owner": "from", "territory_id": "territory", "via": "by",
              "replaces_territory_id": "replaces territory"}


@dataclass(frozen=True)
class AuditLine:
    who: str
    what: str
    target: str
    details: list[str]


def detail_of(event) -> dict:
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        return {"detail": event.detail}
    return detail if isinstance(detail, dict) else {"detail": detail}


def _ids(value) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def mentioned_ids(events) -> tuple[set[int], set[int]]:
    """(user ids, account ids) an audit page needs names for."""
    users, accounts = set(), set()
    for event in events:
        for key, value in detail_of(event).items():
            if key in USER_KEYS:
                users.update(_ids(value))
        if event.target_type == "account" and event.target_id.isdigit():
            accounts.add(int(event.target_id))
    return users, accounts


def _plain(value, key: str, users: dict[int, str]) -> str:
    if value is None or value == "":
        return "nobody" if key in USER_KEYS else "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in USER_KEYS and isinstance(value, int):
        return users.get(value, f"user #{value}")
    if isinstance(value, list) and len(value) == 2:
        return f"{_plain(value[0], key, users)} → {_plain(value[1], key, users)}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _what(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    if action.startswith("export."):
        return f"exported {action.split('.', 1)[1]}"
    if action.startswith("import."):
        parts = action.split(".")
        return f"{'undid the import of' if parts[-1] == 'undone' else 'imported'} {parts[1]}"
    return action.replace("_", " ").replace(".", ": ")


def describe(event, actor_name: str | None, actor_email: str | None, target_name: str | None,
             users: dict[int, str], accounts: dict[int, str]) -> AuditLine:
    """One event in words: who, what, to whom or what, and its details as "key: value"."""
    detail = detail_of(event)
    who = actor_name or actor_email or (detail.get("email") if event.action ==
                                        "auth.sign_in_failed" else None) or "Someone"
    if event.action in SELF_TARGETED:
        target = ""
    elif event.target_type == "user":
        target = target_name or detail.get("email") or f"user #{event.target_id}"
    elif event.target_type == "account":
        target = (accounts.get(int(event.target_id)) if event.target_id.isdigit() else None) \
            or detail.get("account") or f"account #{event.target_id}"
    elif event.target_type in ("territory", "territory_plan"):
        target = detail.get("name") or f"#{event.target_id}"
    elif event.target_type == "route":
        target = f"at {event.target_id}" if event.target_id else ""
    else:
        target = ""
    shown = {"email", "name", "account"} if target else set()
    if who == detail.get("email"):
        shown.add("email")
    details = [f"{KEY_LABELS.get(k, k.replace('_', ' '))}: {_plain(v, k, users)}"
               for k, v in sorted(detail.items()) if k not in shown]
    return AuditLine(who=who, what=_what(event.action), target=target, details=details)
