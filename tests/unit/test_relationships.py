"""Old lists and keeping in touch: who is on the list, why, and in what order."""
from datetime import date, datetime, timedelta

from webapp.domain.relationships import (
    KeptPerson,
    Mark,
    Signal,
    is_executive,
    keep_in_touch_order,
    old_list,
)

NOW = datetime(2026, 11, 30, 12, 0)


def months_ago(n: float) -> datetime:
    return NOW - timedelta(days=int(n * 30.5))


def meeting(account_id, months, engagement=None, initiated_by=None, contact_id=None):
    return Signal(account_id, months_ago(months), "meeting", engagement=engagement,
                  initiated_by=initiated_by, contact_id=contact_id)


def lost(account_id, months, reason):
    return Signal(account_id, months_ago(months), "lost", loss_reason=reason)


def run(signals, potentials=None, last_activity=None, marks=None):
    potentials = potentials or {s.account_id: 50 for s in signals}
    if last_activity is None:
        last_activity = {}
        for s in signals:
            last_activity[s.account_id] = max(s.at, last_activity.get(s.account_id, s.at))
    return old_list(signals, now=NOW, potentials=potentials, last_activity=last_activity,
                    marks=marks)


def test_interest_six_to_eighteen_months_ago_puts_an_account_on_the_list_with_why():
    entries = run([meeting(1, 8, engagement=5, contact_id=7), meeting(2, 10, initiated_by="them"),
                   lost(3, 12, "no_decision"), lost(4, 9, "timing")])
    assert {e.account_id: e.labels for e in entries} == {
        1: ["Engaged meeting"], 2: ["They asked for a meeting"],
        3: ["Deal lost to no decision"], 4: ["Deal lost to timing"]}
    assert next(e for e in entries if e.account_id == 1).contact_id == 7


def test_weak_signals_and_other_loss_reasons_are_not_interest():
    assert run([meeting(1, 8, engagement=3), meeting(2, 8, initiated_by="us"),
                lost(3, 8, "price"), lost(4, 8, "competitor")]) == []


def test_too_recent_or_too_old_interest_is_not_an_old_list():
    assert run([meeting(1, 3, engagement=5), meeting(2, 20, engagement=5)]) == []


def test_an_account_with_anything_since_its_interest_is_not_quiet():
    signals = [meeting(1, 8, engagement=5), meeting(2, 8, engagement=5)]
    entries = run(signals, last_activity={1: months_ago(2), 2: months_ago(8)})
    assert [e.account_id for e in entries] == [2]


def test_ranked_by_potential_then_strength_of_interest():
    signals = [meeting(1, 8, engagement=5), meeting(2, 8, engagement=5),
               lost(3, 9, "timing"), meeting(3, 10, initiated_by="them"),
               meeting(4, 8, engagement=4)]
    entries = run(signals, potentials={1: 40, 2: 90, 3: 40, 4: 40})
    assert [e.account_id for e in entries] == [2, 3, 1, 4]
    assert entries[1].labels == ["They asked for a meeting", "Deal lost to timing"]


def test_snoozed_until_a_later_day_or_dismissed_entries_stay_off_the_list():
    signals = [meeting(1, 8, engagement=5), meeting(2, 8, engagement=5),
               meeting(3, 8, engagement=5)]
    marks = {1: Mark(snoozed_until=date(2026, 12, 30)), 2: Mark(dismissed=True),
             3: Mark(snoozed_until=date(2026, 11, 30))}
    assert [e.account_id for e in run(signals, marks=marks)] == [3]


def test_the_list_is_capped():
    signals = [meeting(i, 8, engagement=5) for i in range(1, 50)]
    assert len(old_list(signals, now=NOW, potentials={}, last_activity={}, limit=10)) == 10


def test_executive_titles():
    assert all(is_executive(t) for t in ("CFO", "VP Operations", "Director of IT",
                                         "Head of Procurement", "Chief Nursing Officer"))
    assert not any(is_executive(t) for t in ("Buyer", "Office manager", "", "Analyst"))


def test_keep_in_touch_puts_champions_then_executives_first_then_longest_unreached():
    people = [KeptPerson(1, False, "Buyer", None), KeptPerson(2, False, "CFO", months_ago(1)),
              KeptPerson(3, True, "Analyst", months_ago(2)), KeptPerson(4, False, "Buyer",
                                                                       months_ago(5)),
              KeptPerson(5, False, "VP Sales", None)]
    assert [p.contact_id for p in keep_in_touch_order(people)] == [3, 5, 2, 1, 4]


def test_the_before_line_becomes_one_past_company_each():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0026_people.py"
    spec = importlib.util.spec_from_file_location("migration_0026_people", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.split_companies("Acme, Inc.; Prairie Foods, Blue Dairy LLC") == [
        "Acme, Inc.", "Prairie Foods", "Blue Dairy LLC"]
    assert migration.split_companies("  ") == []
