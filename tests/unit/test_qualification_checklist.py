"""When a deal counts as qualified: as many checklist answers as the manager set, or an
override with a reason. An empty checklist qualifies nothing on its own."""
from webapp.domain.checklists import (
    BUILT_IN,
    ChecklistItem,
    answers_needed,
    checklist_for,
    checklist_status,
)


def test_each_built_in_methodology_has_key_questions_and_unique_keys():
    for key in ("meddic", "bant", "spin"):
        items = checklist_for(key)
        assert items and any(i.required for i in items)
        assert len({i.key for i in items}) == len(items)


def test_the_managers_number_of_answers_qualifies_whichever_items_they_are():
    items = checklist_for("meddic")  # six items
    two = {items[4].key: "Manual counts", items[5].key: "Lee, ops lead"}
    assert not checklist_status(items, two, needed=3).qualified
    three = two | {items[2].key: "Price and support"}
    status = checklist_status(items, three, needed=3)
    assert status.complete and status.qualified and not status.overridden
    assert (status.answered, status.total, status.needed, status.still_needed) == (3, 6, 3, 0)
    assert checklist_status(items, three, needed=4).still_needed == 1


def test_blank_answers_do_not_count():
    items = checklist_for("bant")
    status = checklist_status(items, {i.key: "   " for i in items}, needed=1)
    assert not status.qualified and status.answered == 0 and status.still_needed == 1


def test_a_number_above_the_lists_length_means_all_of_it():
    items = checklist_for("bant")  # four items
    assert answers_needed(10, len(items)) == 4
    all_four = {i.key: "yes" for i in items}
    assert checklist_status(items, all_four, needed=10).qualified
    assert not checklist_status(items, dict(list(all_four.items())[:3]), needed=10).qualified


def test_override_needs_a_reason():
    items = checklist_for("spin")
    assert not checklist_status(items, {}, override_reason="  ").qualified
    status = checklist_status(items, {}, override_reason="Signed LOI")
    assert status.qualified and status.overridden and not status.complete


def test_teams_own_list_is_used_as_is_and_empty_qualifies_only_by_override():
    own = (ChecklistItem("custom-1", "Site visit"), ChecklistItem("custom-2", "Reference call"))
    assert checklist_for("custom", own) == own
    assert checklist_status(own, {"custom-1": "Done on 3/4"}, needed=1).qualified
    empty = checklist_status((), {}, needed=3)
    assert empty.empty and empty.needed == 0 and not empty.qualified
    assert checklist_status((), {}, override_reason="CFO said yes", needed=3).qualified


def test_unknown_methodology_falls_back_to_meddic():
    assert checklist_for("nope") == BUILT_IN["meddic"][1]
