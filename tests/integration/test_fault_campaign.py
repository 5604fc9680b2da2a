"""A deterministic slice of the fault campaign (bench/fault_campaign.py runs it big): phones
drive gunicorn the way the outbox does, with duplicate and concurrent sends, conflicting
edits, ended sessions, late out-of-order replays and one SIGKILL of the server mid-write;
then the database must hold every confirmed write exactly once, nothing half saved, no
silent overwrite, and versions that match the history."""
from __future__ import annotations

from tests.support.campaign import Campaign, seed_team

SEED = 20261130
SEQUENCES = 20


def test_the_outbox_protocol_survives_duplicates_conflicts_ended_sessions_and_a_kill(
        app, start_server):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    team = seed_team(url, reps=4, opportunities=2)
    server = start_server()
    campaign = Campaign(server, url, team, seed=SEED)
    try:
        report = campaign.run(SEQUENCES, kills=1, parallel=3)
    finally:
        campaign.close()
    print(report.line(url.split(":")[0]))
    assert report.problems == [], "\n".join(report.problems[:20])
    assert report.sequences >= SEQUENCES
    assert report.kills == 1 and server.starts == 2
    assert report.conflicts > 0, "the seed should make two phones edit one deal"
    assert report.sign_ins_again > 0, "the seed should end a session with writes queued"
    # A write from a session that ended asks the rep to sign in (outbox: "sign in, then
    # continue"), it is never stored and never "needs attention".
    assert set(report.ended_session_answers) == {401}
    confirmed = [w for w in campaign.writes if w.outcome == "confirmed"]
    assert len(confirmed) >= SEQUENCES * 2
