"""When a deal counts as qualified: required checklist items answered, or the rep's reason."""
from webapp.pipeline.checklists import BUILT_IN, ChecklistItem, checklist_for, checklist_status


def test_each_built_in_methodology_has_required_items():
    for key in ("meddic", "bant", "spin"):
        items = checklist_for(key)
        assert items and any(i.required for i in items)
        assert len({i.key for i in items}) == len(items)


def test_required_items_answered_qualify_even_with_optional_ones_open():
    items = checklist_for("meddic")
    answers = {i.key: "yes, named" for i in items if i.required}
    status = checklist_status(items, answers)
    assert status.complete and status.qualified
    assert status.answered == len(answers) < status.total


def test_blank_answers_do_not_count():
    items = checklist_for("bant")
    answers = {i.key: "   " for i in items}
    status = checklist_status(items, answers)
    assert not status.qualified and len(status.missing_required) == len(items)


def test_rep_override_needs_a_reason():
    items = checklist_for("spin")
    assert not checklist_status(items, {}, override_reason="  ").qualified
    status = checklist_status(items, {}, override_reason="Signed LOI")
    assert status.qualified and status.overridden and not status.complete


def test_teams_own_list_is_used_as_is_and_empty_never_qualifies():
    own = (ChecklistItem("custom-1", "Site visit", required=True),
           ChecklistItem("custom-2", "Reference call", required=False))
    assert checklist_for("custom", own) == own
    assert checklist_status(own, {"custom-1": "Done on 3/4"}).qualified
    assert not checklist_status((), {}).qualified


def test_unknown_methodology_falls_back_to_meddic():
    assert checklist_for("nope") == BUILT_IN["meddic"][1]
