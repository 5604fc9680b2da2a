"""Audit action names follow one scheme; events stored under an older name are renamed by the
migration, so the admin's audit log reads them like new ones."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from webapp.admin.audit_text import describe
from webapp.database import alembic_config
from webapp.domain.audit_actions import ACTIONS, RENAMED


def test_every_name_has_a_prefix_naming_what_it_acts_on():
    for name in ACTIONS:
        subject, _, happened = name.partition(".")
        assert subject and happened and name == name.lower(), name


def test_events_stored_under_an_old_name_are_renamed_and_read_as_new_ones(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "0016_speed")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for n, old in enumerate(RENAMED, start=1):
                conn.execute(text("INSERT INTO audit_events (id, at, action, target_type, "
                                  "target_id, detail, ip) VALUES (:id, '2026-11-09 06:00:00', "
                                  ":action, 'account', '7', '{}', '')"),
                             {"id": n, "action": old})
        command.upgrade(config, "0019_layers")
        with engine.connect() as conn:
            renamed = dict(conn.execute(text("SELECT id, action FROM audit_events")).all())
        assert renamed == {n: RENAMED[old] for n, old in enumerate(RENAMED, start=1)}
        assert all(new in ACTIONS for new in renamed.values())

        command.downgrade(config, "0016_speed")
        with engine.connect() as conn:
            back = {a for (a,) in conn.execute(text("SELECT action FROM audit_events"))}
        assert back == set(RENAMED)
    finally:
        engine.dispose()


def test_a_plan_move_reads_as_a_sentence_in_the_admin_log():
    class Event:
        action, target_type, target_id = "account.moved_by_plan", "account", "7"
        detail = '{"from_owner": 2, "to_owner": 3, "plan": "Wisconsin to Ben", "plan_id": 1}'

    line = describe(Event(), "Maya Manager", None, None, {2: "Ana Alvarez", 3: "Ben Brooks"},
                    {7: "Quiet Dairy"})
    assert (line.who, line.what, line.target) == ("Maya Manager",
                                                  "moved by a territory plan: account",
                                                  "Quiet Dairy")
    assert "from: Ana Alvarez" in line.details and "to: Ben Brooks" in line.details
