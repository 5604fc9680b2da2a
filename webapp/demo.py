"""Deterministic demo data: a manager, four reps, an admin and ~300 accounts with 18 months
of history that ends today (everything is dated from `webapp.clock.utcnow()`).

Only `groundwork demo` (and benchmarks) call this; the demo password exists nowhere else.
Rows are built in memory and inserted with a few flushes (SQLAlchemy batches the INSERTs),
so loading the whole demo takes a few seconds. `generate_accounts()` is reusable: the bench
scripts use it to give one rep thousands of accounts.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from webapp.clock import to_local, to_utc, utcnow
from webapp.domain.pipeline_metrics import fiscal_quarter, recent_periods, week_start
from webapp.models import (
    Account,
    CheckIn,
    OPEN_STAGES,
    Commitment,
    Contact,
    ContactPosition,
    DealClosure,
    KeepInTouch,
    ForecastSubmission,
    Intel,
    Meeting,
    Note,
    OneToOne,
    Opportunity,
    OpportunityChange,
    PalMeeting,
    PipelineSettings,
    QualificationAnswer,
    Quota,
    TeamSettings,
    Territory,
    TerritoryRule,
    Touch,
    User,
    VendorPal,
    new_uuid,
)
from webapp.models.aggregates import note_owners
from webapp.passwords import hash_password

DEMO_PASSWORD = "groundwork-demo"
SEED = 20261
HISTORY_DAYS = 548  # 18 months
ACCOUNTS_PER_REP = 75


@dataclass(frozen=True)
class City:
    name: str
    region: str
    latitude: float
    longitude: float
    zip_prefix: str
    area_code: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class DemoTerritory:
    name: str
    description: str
    timezone: str
    cities: tuple[City, ...]


# Real city centres and real street names; each account is jittered a few km around them.
TERRITORIES = (
    DemoTerritory("Chicago Metro", "Chicago, Evanston and the western suburbs", "America/Chicago", (
        City("Chicago", "IL", 41.8781, -87.6298, "606", "312",
             ("W Madison St", "N Michigan Ave", "W Randolph St", "S Wacker Dr", "N Clark St",
              "W Fulton Market", "S State St", "N Halsted St", "W Jackson Blvd")),
        City("Evanston", "IL", 42.0451, -87.6877, "602", "847",
             ("Sherman Ave", "Church St", "Davis St", "Chicago Ave", "Central St")),
        City("Oak Brook", "IL", 41.8398, -87.9536, "605", "630",
             ("W 22nd St", "Commerce Dr", "Spring Rd", "Enterprise Dr")),
    )),
    DemoTerritory("Wisconsin", "Milwaukee, Madison and Waukesha", "America/Chicago", (
        City("Milwaukee", "WI", 43.0389, -87.9065, "532", "414",
             ("N Water St", "E Wisconsin Ave", "W St Paul Ave", "S 1st St", "N Broadway",
              "W Canal St", "E Erie St")),
        City("Madison", "WI", 43.0731, -89.4012, "537", "608",
             ("State St", "E Washington Ave", "University Ave", "Regent St", "Monroe St")),
        City("Waukesha", "WI", 43.0117, -88.2315, "531", "262",
             ("W Main St", "Bluemound Rd", "Sunset Dr", "Moreland Blvd")),
    )),
    DemoTerritory("Twin Cities", "Minneapolis, St. Paul and Bloomington", "America/Chicago", (
        City("Minneapolis", "MN", 44.9778, -93.2650, "554", "612",
             ("Nicollet Mall", "Hennepin Ave", "Washington Ave S", "Marquette Ave",
              "N 1st Ave", "Lyndale Ave S", "University Ave SE")),
        City("St. Paul", "MN", 44.9537, -93.0900, "551", "651",
             ("Grand Ave", "Kellogg Blvd", "University Ave W", "Robert St N", "Selby Ave")),
        City("Bloomington", "MN", 44.8408, -93.2983, "554", "952",
             ("American Blvd W", "Old Shakopee Rd", "Normandale Blvd", "W 98th St")),
    )),
    DemoTerritory("Southeast Michigan", "Detroit, Ann Arbor and Troy", "America/Detroit", (
        City("Detroit", "MI", 42.3314, -83.0458, "482", "313",
             ("Woodward Ave", "Jefferson Ave", "Gratiot Ave", "Michigan Ave", "Griswold St",
              "W Lafayette Blvd", "Cass Ave")),
        City("Ann Arbor", "MI", 42.2808, -83.7430, "481", "734",
             ("Main St", "Liberty St", "Huron Pkwy", "Plymouth Rd", "State St")),
        City("Troy", "MI", 42.6064, -83.1498, "480", "248",
             ("Big Beaver Rd", "Crooks Rd", "Maple Rd", "Stephenson Hwy", "Coolidge Hwy")),
    )),
)

MANAGER = ("Dana Whitfield", "America/Chicago")
REPS = (
    ("Maya Okafor", "America/Chicago"),
    ("Luis Ortega", "America/Chicago"),
    ("Priya Raman", "America/Chicago"),
    ("Tom Becker", "America/Detroit"),
)
ADMIN = ("Sam Lindqvist", "America/New_York")

INDUSTRIES = (
    "Manufacturing", "Healthcare", "Logistics", "Financial Services", "Retail", "Education",
    "Energy", "Food & Beverage", "Insurance", "Construction", "Technology", "Public Sector",
)
NAME_FIRST = (
    "Lakeshore", "Prairie", "North Star", "Great Lakes", "Ironwood", "Riverbend", "Summit",
    "Keystone", "Harbor", "Cedar", "Granite", "Bluewater", "Midland", "Heartland", "Union",
    "Pinecrest", "Foxhollow", "Redline", "Westgate", "Northfield", "Maple", "Copperleaf",
    "Silverline", "Oakridge", "Crescent", "Beacon", "Tri-County", "Lincoln", "Meridian",
    "Clearwater", "Stonebridge", "Badger", "Wolverine", "Gopher", "Sterling", "Bayview",
)
NAME_SECOND = {
    "Manufacturing": ("Precision", "Castings", "Fabrication", "Tool & Die", "Machining",
                      "Plastics"),
    "Healthcare": ("Health", "Medical Group", "Clinics", "Care Partners", "Orthopedics"),
    "Logistics": ("Freight", "Logistics", "Distribution", "Transport", "Cold Chain"),
    "Financial Services": ("Bancorp", "Credit Union", "Capital", "Trust", "Financial"),
    "Retail": ("Outfitters", "Market", "Home Supply", "Grocers", "Hardware"),
    "Education": ("College", "School District", "Academy", "Learning"),
    "Energy": ("Power", "Energy", "Utilities", "Solar"),
    "Food & Beverage": ("Foods", "Dairy", "Brewing", "Bakeries", "Provisions"),
    "Insurance": ("Mutual", "Insurance", "Assurance", "Underwriters"),
    "Construction": ("Builders", "Construction", "Concrete", "Contractors"),
    "Technology": ("Systems", "Software", "Data", "Networks", "Labs"),
    "Public Sector": ("County Services", "Water Authority", "Transit", "Housing Authority"),
}
NAME_SUFFIX = ("", "", "", " Inc.", " LLC", " Co.", " Group", " Corp.")
FEDERAL_NAMES = (
    "Federal Records Center", "VA Medical Center", "Army Reserve Command", "Federal Credit Office",
    "Regional Customs Office", "National Weather Office", "Federal Courthouse Services",
)
SEGMENT_WEIGHTS = (("SMB", 25), ("Mid-Market", 40), ("Enterprise", 25), ("Major", 6))
AMOUNT_RANGE = {
    "SMB": (5_000, 30_000), "Mid-Market": (20_000, 120_000), "Enterprise": (80_000, 400_000),
    "Major": (200_000, 1_200_000), "Federal": (150_000, 900_000),
}
GOALS = (
    "Cut unplanned downtime on the main line by 20% this year.",
    "Close the books in three days instead of eight.",
    "Open two new distribution centres without adding planners.",
    "Get every site onto one system before the audit in the fall.",
    "Halve the time new hires need to be productive.",
    "Reduce claims processing time to under a week.",
    "Move patient scheduling off paper in all clinics.",
    "Grow online orders to a third of revenue.",
)

FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Derek", "Elena", "Frank", "Grace", "Hector", "Irene", "Jamal",
    "Karen", "Liam", "Monica", "Nate", "Olivia", "Pete", "Quinn", "Rosa", "Sanjay", "Tara",
    "Victor", "Wendy", "Xavier", "Yolanda", "Zach", "Brianna", "Curtis", "Denise", "Ethan",
    "Fatima", "Greg", "Hannah", "Ivan", "Julia", "Kevin", "Lena", "Marcus", "Nora", "Omar",
)
LAST_NAMES = (
    "Anderson", "Brennan", "Castillo", "Dubois", "Eriksen", "Fitzgerald", "Garcia", "Haddad",
    "Iverson", "Jankowski", "Kowalczyk", "Larsen", "Mendoza", "Nguyen", "O'Brien", "Patel",
    "Quintero", "Rasmussen", "Schultz", "Thompson", "Ulrich", "Vasquez", "Washington",
    "Yamamoto", "Zielinski", "Hoffmann", "Kaminski", "Lindgren", "Novak", "Okonkwo",
)
TITLES = (
    "VP Operations", "Chief Financial Officer", "IT Director", "Plant Manager",
    "Head of Procurement", "Controller", "Director of Supply Chain", "CIO", "COO",
    "Operations Manager", "Facilities Director", "VP Sales", "Chief Nursing Officer",
    "Program Manager", "Finance Manager",
)
ATTENTION = (
    "Numbers from a plant like theirs; skip the slides.",
    "Anything that saves the team from spreadsheets.",
    "Peer references in the same industry.",
    "Risk: wants to hear what can go wrong and how we handle it.",
    "Board pressure on cost per unit this year.",
    "Short meetings, early in the morning.",
    "Talks about the Brewers or the Packers before business.",
    "Security and audit questions first.",
    "Wants a pilot before any contract.",
    "Their own growth plan for the next 3 years.",
    "Data on uptime; hates vague promises.",
    "Anything that means hiring fewer temps.",
)
MEETING_NOTES = (
    "Walked the floor; they track downtime on a whiteboard. Interested in a pilot on one line.",
    "CFO joined for 15 minutes. Budget is set in October; wants a business case by then.",
    "Reviewed the proposal page by page. Pricing OK, legal wants changes to liability.",
    "Lunch with the IT director; the incumbent's contract ends in spring.",
    "Quick check-in: roll-out on track, two sites left. Asked for training for new hires.",
    "They are comparing us with two others. Our edge: local support and references.",
    "Renewal conversation. Happy overall; want better reporting before they sign again.",
    "Met the new VP Operations, came from a customer of ours. Good start.",
    "Partner meeting: their integrator knows the account well, shared the org chart.",
    "Demo of the mobile app to the shift leads; lots of questions about offline use.",
    "Not much energy in the room. Need a real sponsor before going further.",
    "Procurement call: they need three references and a security questionnaire.",
)
THEIR_COMMITMENTS = (
    "Send last quarter's downtime numbers",
    "Set up a meeting with the CFO",
    "Bring the plant manager to the next meeting",
    "Share the current vendor's contract end date",
    "Send the security questionnaire",
    "Confirm the pilot site and dates",
    "Introduce us to the IT director",
    "Share the org chart for the new division",
)
OUR_COMMITMENTS = (
    "Send the ROI model",
    "Share two customer references in the same industry",
    "Draft the pilot plan",
    "Send pricing for a three-year term",
    "Answer the security questionnaire",
    "Arrange a reference lunch with a happy customer",
    "Send the case study from a similar plant",
)
NEXT_STEPS = (
    "Call to confirm the pilot scope",
    "Send the revised proposal",
    "Meet the CFO with the business case",
    "Follow up on the security review",
    "Book the site visit",
    "Review contract redlines with legal",
    "Check in on the budget decision",
    "Reference call with a customer",
)
QUICK_NOTES = (
    "Parking garage on the east side; visitor badge at the front desk.",
    "Heard from a partner they are reorganising IT after the merger.",
    "Their competitor just signed with us: worth mentioning.",
    "Receptionist said the CFO is back from leave next week.",
    "Bring printed agenda; the VP does not read on screens.",
    "They posted three jobs for planners: growth or churn?",
)
UNFILED_NOTES = (
    "Idea: reference lunch for the food companies in the area.",
    "Met someone at the chamber breakfast who runs ops at a logistics firm, get the card scanned.",
    "Ask Dana about the Q4 pricing guidance.",
    "Partner call Friday: swap notes on the hospitals.",
    "Follow up with the contact who moved companies last month.",
)
MEETING_KINDS = (("in_person", 45), ("video", 25), ("phone", 15), ("lunch", 10), ("partner", 5))


def load_demo_data(session: Session) -> str:
    """Create the demo team and its accounts in an empty database; commits; returns a summary."""
    rng = random.Random(SEED)
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose

    session.add(TeamSettings(fiscal_year_start_month=1, coverage_target=Decimal("4.0"),
                             currency="USD"))
    manager = User(email="manager@example.com", name=MANAGER[0], role="manager",
                   timezone=MANAGER[1], password_hash=password_hash, created_at=_days_ago(now, 900))
    admin = User(email="admin@example.com", name=ADMIN[0], role="admin", timezone=ADMIN[1],
                 password_hash=password_hash, created_at=_days_ago(now, 900))
    session.add_all([manager, admin])
    session.flush()
    reps = [User(email=f"rep{i}@example.com", name=name, role="rep", timezone=tz,
                 manager_id=manager.id, password_hash=password_hash,
                 created_at=_days_ago(now, 800 - 60 * i))
            for i, (name, tz) in enumerate(REPS, start=1)]
    session.add_all(reps)
    session.flush()

    territories = [Territory(name=t.name, description=t.description, owner_id=rep.id,
                             created_at=_days_ago(now, 700))
                   for t, rep in zip(TERRITORIES, reps)]
    session.add_all(territories)
    session.add_all(_quotas(reps, now.date(), rng))
    session.flush()
    session.add_all(_territory_rules(territory, design)
                    for territory, design in zip(territories, TERRITORIES))

    counts: dict[str, int] = {}
    names: set[str] = set()
    for rep, territory, design in zip(reps, territories, TERRITORIES):
        made = generate_accounts(session, rep, ACCOUNTS_PER_REP, rng, territory=territory,
                                 cities=design.cities, now=now, taken_names=names)
        for key, value in made.items():
            counts[key] = counts.get(key, 0) + value
    # The pipeline pages' history, from a generator of its own so the accounts above stay the
    # same whatever is added here.
    pipeline_rng = random.Random(SEED + 1)
    counts["meetings"] += _recent_first_meetings(session, reps, now, pipeline_rng)
    session.add(PipelineSettings(methodology="meddic"))
    session.add_all(_forecast_history(session, reps, now, pipeline_rng))
    session.add_all(_one_to_ones(manager, reps, now))
    _customer_success(session, reps, now)
    session.add_all(_reminders(session, reps, now))
    session.add_all(_checkins(session, reps, now))
    _demo_calendar(session, reps[0], now)
    _people_and_old_lists(session, reps, now)
    _vendor_pals_and_intel(session, reps[0], manager, now)
    session.commit()
    return (f"{len(reps) + 2} users (password {DEMO_PASSWORD!r}), {counts['accounts']} accounts, "
            f"{counts['contacts']} contacts, {counts['opportunities']} opportunities "
            f"({counts['changes']} changes), {counts['meetings']} meetings, "
            f"{counts['commitments']} commitments, {counts['notes']} notes")


def generate_accounts(session: Session, owner: User, n: int, rng: random.Random, *,
                      territory: Territory | None = None, cities: tuple[City, ...] | None = None,
                      now: datetime | None = None,
                      taken_names: set[str] | None = None) -> dict[str, int]:
    """Add `n` accounts owned by `owner`, each with contacts, opportunities and their history,
    meetings, commitments and notes, spread over the 18 months before `now`. Does not commit;
    returns how many rows of each kind it made.

    Rows are plain dicts inserted in bulk (one executemany per table): building thousands of
    ORM objects would be most of the time spent.
    """
    now = now or utcnow()
    today = now.date()
    cities = cities or TERRITORIES[0].cities
    taken_names = taken_names if taken_names is not None else set()
    tz = owner.timezone

    account_rows = [_account(rng, owner, territory, cities, now, taken_names) for _ in range(n)]
    ids = _insert(session, Account, account_rows, Account.owner_id == owner.id)
    accounts = [SimpleNamespace(id=id_, **row) for id_, row in zip(ids, account_rows)]

    contacts: list[dict] = []
    opportunities: list[dict] = []
    histories: list[list[tuple]] = []
    meetings: list[dict] = []
    notes: list[dict] = []
    for account in accounts:
        people = [_contact(rng, account) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))]
        contacts.extend(people)
        if account.status == "prospect" and rng.random() < 0.12:
            continue  # an old list: nobody has called them in 18 months (seed idea 9)
        for opp, history in _opportunities(rng, account, owner, now, today):
            opportunities.append(opp)
            histories.append(history)
        meetings.extend(_meetings(rng, account, owner, people, now, tz))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            minutes_ago = rng.randint(30, HISTORY_DAYS * 1440)
            notes.append(dict(user_id=owner.id, account_id=account.id, body=rng.choice(QUICK_NOTES),
                              created_at=now - timedelta(minutes=minutes_ago)))
    for i in range(min(len(UNFILED_NOTES), max(1, n // 20))):
        notes.append(dict(user_id=owner.id, account_id=None, body=UNFILED_NOTES[i],
                          created_at=now - timedelta(hours=rng.randint(1, 24 * 6), minutes=i)))

    for opp, id_ in zip(opportunities, _insert(session, Opportunity, opportunities,
                                                   Opportunity.owner_id == owner.id)):
        opp["id"] = id_
    changes = [dict(opportunity_id=opp["id"], user_id=owner.id, changed_at=at, field=field,
                    old_value=old, new_value=new, version=version)
               for opp, history in zip(opportunities, histories)
               for at, field, old, new, version in history]
    # Link a meeting to the deal it was about, when there was one open at the time.
    by_account: dict[int, list[dict]] = {}
    for opp in opportunities:
        by_account.setdefault(opp["account_id"], []).append(opp)
    for meeting in meetings:
        meeting["opportunity_id"] = next(
            (opp["id"] for opp in by_account.get(meeting["account_id"], ())
             if opp["created_at"] <= meeting["started_at"] <= (opp["closed_at"] or now)), None)
    for meeting, id_ in zip(meetings, _insert(session, Meeting, meetings,
                                              Meeting.user_id == owner.id)):
        meeting["id"] = id_
    commitments = [row for meeting in meetings for row in _commitments(rng, meeting, today)]
    _insert(session, Contact, contacts)
    _insert(session, OpportunityChange, changes)
    _insert(session, QualificationAnswer, _qualification_answers(opportunities, owner))
    _insert(session, Commitment, commitments)
    _insert(session, Note, notes)

    touches: dict[int, datetime] = {}
    for account_id, when in [(m["account_id"], m["started_at"]) for m in meetings] + \
            [(nt["account_id"], nt["created_at"]) for nt in notes if nt["account_id"]]:
        if account_id not in touches or when > touches[account_id]:
            touches[account_id] = when
    if touches:
        session.execute(update(Account), [{"id": account_id, "last_touch_at": when}
                                          for account_id, when in touches.items()])
    return {"accounts": len(accounts), "contacts": len(contacts),
            "opportunities": len(opportunities), "changes": len(changes),
            "meetings": len(meetings), "commitments": len(commitments), "notes": len(notes)}


# A qualified demo deal has the MEDDIC answers that qualify it (three, the default number), so
# its qualification agrees with the team's checklist.
_DEMO_ANSWERS = (("meddic-metrics", "Cut the time their field team spends on reports"),
                 ("meddic-pain", "Orders keyed twice; errors reach customers"),
                 ("meddic-champion", "Operations lead, met twice"))


def _qualification_answers(opportunities: list[dict], owner: User) -> list[dict]:
    return [dict(opportunity_id=opp["id"], item_key=key, answer=text, answered_by_id=owner.id,
                 answered_at=opp["created_at"])
            for opp in opportunities if opp["qualified"] for key, text in _DEMO_ANSWERS]


def _insert(session: Session, model, rows: list[dict], mine=None) -> list[int]:
    """Bulk-insert `rows` (one executemany per table); given `mine` (a filter that selects
    at least these rows), return the new ids in the order of `rows`.

    Ids are matched back through each row's client UUID: RETURNING with a guaranteed order
    would make SQLite insert row by row.
    """
    if not rows:
        return []
    if model in (Account, Opportunity):  # their owners' totals (webapp/models/aggregates.py)
        note_owners(session, {row.get("owner_id") for row in rows})
    if mine is None:
        session.execute(model.__table__.insert(), rows)
        return []
    for row in rows:
        row["uuid"] = new_uuid()
    session.execute(model.__table__.insert(), rows)
    ids = {uuid: id_ for uuid, id_ in session.execute(select(model.uuid, model.id).where(mine))}
    return [ids[row.pop("uuid")] for row in rows]


def _days_ago(now: datetime, days: float) -> datetime:
    return (now - timedelta(days=days)).replace(microsecond=0)


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def _quotas(reps: list[User], today: date, rng: random.Random) -> list[Quota]:
    """Quotas for the previous, current and next fiscal quarter (fiscal year from January)."""
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarters = [_add_months(start, delta) for delta in (-3, 0, 3)]
    return [Quota(user_id=rep.id, period_start=q, period_end=_add_months(q, 3) - timedelta(days=1),
                  amount=Decimal(rng.randrange(450_000, 650_001, 25_000)), currency="USD")
            for rep in reps for q in quarters]


# How each demo rep forecasts: the commit as a share of what then closed (low, high). Accuracy
# differs per rep: one is close, one is optimistic, one sandbags, one swings both ways.
FORECAST_HABITS = ((0.92, 1.08), (1.2, 1.55), (0.65, 0.82), (0.7, 1.45))
FORECAST_PERIODS = 6
NEW_PROSPECT_NOTES = (
    "First meeting: they found us through a partner. Current process is all spreadsheets.",
    "Intro meeting with the operations lead; wants to see a site like theirs.",
    "Met at their office after a referral. Budget cycle starts in January.",
    "First call: new VP wants a plan for the next fiscal year; asked for references.",
)


def _checkins(session: Session, reps: list[User], now: datetime) -> list[CheckIn]:
    """Check-ins behind each rep's in-person meetings of the last two weeks (arrived a few
    minutes early, left when it ended, at the account's door), each naming its meeting: what
    "Check in" and "Check out" leave behind. No open one: the app asks about those."""
    rows = session.execute(
        select(Meeting.id, Meeting.user_id, Meeting.account_id, Meeting.started_at,
               Meeting.duration_minutes, Account.latitude, Account.longitude)
        .join(Account, Account.id == Meeting.account_id)
        .where(Meeting.user_id.in_([r.id for r in reps]), Meeting.kind == "in_person",
               Meeting.started_at >= now - timedelta(days=14), Meeting.started_at < now)
        .order_by(Meeting.id)).all()
    return [CheckIn(user_id=user_id, account_id=account_id,
                    in_at=started - timedelta(minutes=5),
                    out_at=started + timedelta(minutes=minutes or 30), latitude=lat,
                    longitude=lon, meeting_id=meeting_id, created_at=started)
            for meeting_id, user_id, account_id, started, minutes, lat, lon in rows]


def _recent_first_meetings(session: Session, reps: list[User], now: datetime,
                           rng: random.Random) -> int:
    """First meetings with prospects nobody had met yet, this fiscal quarter (a couple of them
    this week), so the team view's "first meetings" is not empty. Returns how many."""
    period = fiscal_quarter(now.date(), 1)
    span = max(0, (now.date() - period.start).days)
    untouched = session.execute(
        select(Account.owner_id, Account.id, Account.street)
        .where(Account.owner_id.in_([r.id for r in reps]), Account.status == "prospect",
               ~select(Meeting.id).where(Meeting.account_id == Account.id).exists())
        .order_by(Account.owner_id, Account.id)).all()
    by_rep: dict[int, list] = {}
    for owner_id, account_id, street in untouched:
        by_rep.setdefault(owner_id, []).append((account_id, street))
    rows, touched = [], {}
    for index, rep in enumerate(reps):
        candidates = by_rep.get(rep.id, [])
        for number, (account_id, street) in enumerate(
                rng.sample(candidates, k=min(len(candidates), 2 + index % 3))):
            days_back = rng.randint(0, min(6, span)) if number == 0 and index % 2 == 0 \
                else rng.randint(0, span)
            day = now.date() - timedelta(days=days_back)
            if day.weekday() >= 5 and (day - timedelta(days=day.weekday() - 4)) >= period.start:
                day -= timedelta(days=day.weekday() - 4)
            started = to_utc(datetime.combine(day, time(rng.randint(8, 15), rng.choice((0, 30)))),
                             rep.timezone)
            # Never in the future, and still in working hours: a day earlier, same local time.
            while started > now - timedelta(hours=2):
                started -= timedelta(days=1)
            rows.append(dict(account_id=account_id, user_id=rep.id, started_at=started,
                             kind="in_person", duration_minutes=45, location=street,
                             attendees="", engagement=rng.choice((3, 4, 4, 5)),
                             initiated_by="us",  # prospecting: we knocked
                             notes=rng.choice(NEW_PROSPECT_NOTES), is_first_meeting=True,
                             created_at=started + timedelta(minutes=60)))
            touched[account_id] = started
    _insert(session, Meeting, rows)
    if touched:
        # Nobody had met them: the new meeting is the latest touch unless a note is newer.
        notes = dict(session.execute(select(Note.account_id, func.max(Note.created_at))
                                     .where(Note.account_id.in_(list(touched)))
                                     .group_by(Note.account_id)).all())
        session.execute(update(Account), [
            {"id": account_id, "last_touch_at": max(when, notes.get(account_id, when))}
            for account_id, when in touched.items()])
    return len(rows)


def _forecast_history(session: Session, reps: list[User], now: datetime,
                      rng: random.Random) -> list[ForecastSubmission]:
    """Each rep's commit and best case for the last closed periods, set from what actually
    closed-won and the rep's habit (FORECAST_HABITS). A period in which the rep closed nothing
    (before the demo's history) has no forecast. The current period is left to submit."""
    periods = recent_periods(now.date(), 1, FORECAST_PERIODS)
    won: dict[tuple[int, date], Decimal] = {}
    for owner_id, closed_at, amount in session.execute(
            select(Opportunity.owner_id, Opportunity.closed_at, Opportunity.amount)
            .where(Opportunity.owner_id.in_([r.id for r in reps]), Opportunity.stage == "won",
                   Opportunity.currency == "USD",
                   Opportunity.closed_at >= datetime.combine(periods[0].start, time()))):
        start = fiscal_quarter(closed_at.date(), 1).start
        won[owner_id, start] = won.get((owner_id, start), Decimal(0)) + amount
    rows = []
    for rep, (low, high) in zip(reps, FORECAST_HABITS):
        for period in periods:
            actual = won.get((rep.id, period.start))
            if not actual:
                continue
            commit = _round_to(actual * Decimal(str(rng.uniform(low, high))), 5_000)
            best = _round_to(max(commit, actual) * Decimal(str(rng.uniform(1.1, 1.35))), 5_000)
            submitted = datetime.combine(period.start + timedelta(days=rng.randint(5, 25)),
                                         time(15, 30))
            rows.append(ForecastSubmission(
                user_id=rep.id, period_start=period.start, period_end=period.end,
                commit=commit, best_case=max(best, commit), currency="USD",
                submitted_at=submitted,
                updated_at=submitted + timedelta(days=rng.randint(0, 20))))
    return rows


def _round_to(amount: Decimal, step: int) -> Decimal:
    return Decimal(max(step, int(amount / step + Decimal("0.5")) * step))


def _one_to_ones(manager: User, reps: list[User], now: datetime) -> list:
    """Last week's one-to-ones (notes both sides see) and one piece of news for the team."""
    last_week = week_start(now.date()) - timedelta(days=7)
    held = datetime.combine(last_week + timedelta(days=1), time(15, 0))
    rows: list = [OneToOne(manager_id=manager.id, rep_id=rep.id, week_start=last_week,
                           notes=f"Reviewed the top accounts. {rep.name.split()[0]} to line up "
                                 "a first meeting with two new prospects before month end.",
                           updated_by_id=manager.id, created_at=held, updated_at=held)
                  for rep in reps]
    rows.append(Intel(user_id=manager.id, rep_id=None,
                      body="Our main competitor announced a price increase for January: "
                           "a good reason to talk to their customers now.",
                      learned_on=(held - timedelta(days=3)).date(), source_text="",
                      created_at=held - timedelta(days=3)))
    return rows


def _vendor_pals_and_intel(session: Session, rep: User, manager: User, now: datetime) -> None:
    """Issue 14 items 3 and 5 for the first rep: two vendor pals, a vendor-pal meeting that
    covered three accounts, fresh and stale intel on the top account (one from the manager),
    and one open deal where the prospect broke their last three promises (one-sided)."""
    today = now.date()
    top = session.execute(
        select(Account.id, Account.name).where(Account.owner_id == rep.id)
        .order_by(Account.potential.desc(), Account.id).limit(4)).all()
    if len(top) < 4:
        return
    marcus = VendorPal(user_id=rep.id, name="Marcus Lee", company="Northwind Networks",
                       sells="Network infrastructure", phone="+1 312 555 0147",
                       email="marcus.lee@northwind.example", created_at=_days_ago(now, 200))
    priya = VendorPal(user_id=rep.id, name="Priya Natarajan", company="Cobalt Print Services",
                      sells="Managed print and document workflow", phone="+1 312 555 0193",
                      email="priya@cobaltprint.example", created_at=_days_ago(now, 90))
    session.add_all([marcus, priya])
    session.flush()
    met_on = today - timedelta(days=5)
    meeting = PalMeeting(user_id=rep.id, pal_id=marcus.id, met_on=met_on,
                         created_at=_days_ago(now, 5))
    session.add(meeting)
    session.flush()
    marcus.last_met_on = met_on
    learned = ("Replacing their whole network in Q2; the CIO wants one vendor for the rollout.",
               "Budget freeze lifted last week: projects over $50k need the CFO again.",
               "Their IT director is leaving in March; the deputy, Dana, is the one to know.")
    for (account_id, _), body in zip(top[:3], learned, strict=True):
        session.add(Intel(user_id=rep.id, account_id=account_id, body=body, learned_on=met_on,
                          pal_id=marcus.id, pal_meeting_id=meeting.id, source_text="",
                          created_at=_days_ago(now, 5)))
    first = top[0][0]
    contact = session.scalar(select(Contact.id).where(Contact.account_id == first)
                             .order_by(Contact.id).limit(1))
    session.add_all([
        Intel(user_id=rep.id, account_id=first, contact_id=contact, source_text="",
              body="They are piloting a competitor in one plant; results due end of month.",
              learned_on=today - timedelta(days=2), created_at=_days_ago(now, 2)),
        Intel(user_id=manager.id, account_id=first, source_text="CIO forum in Chicago",
              body="Their CEO spoke about consolidating suppliers next year.",
              learned_on=today - timedelta(days=12), created_at=_days_ago(now, 12)),
        Intel(user_id=rep.id, account_id=top[1][0], pal_id=priya.id, source_text="",
              body="Were unhappy with their print contract and looking around.",
              learned_on=today - timedelta(days=150), created_at=_days_ago(now, 150)),
    ])
    # One-sided: three meetings we asked for, three of their promises not kept.
    deal = session.scalar(select(Opportunity).where(
        Opportunity.owner_id == rep.id, Opportunity.stage.in_(("qualified", "proposal")),
        Opportunity.account_id.not_in([a for a, _ in top[:1]]))
        .order_by(Opportunity.amount.desc(), Opportunity.id).limit(1))
    if deal is None:
        return
    promises = ("Send last year's usage data", "Set up the meeting with their CFO",
                "Share the requirements document")
    for weeks, promised in zip((9, 6, 3), promises, strict=True):
        held = _days_ago(now, 7 * weeks)
        visit = Meeting(account_id=deal.account_id, user_id=rep.id, opportunity_id=deal.id,
                        started_at=held, kind="in_person", duration_minutes=45,
                        initiated_by="us", notes="Walked them through the proposal again.",
                        created_at=held)
        session.add(visit)
        session.flush()
        account = session.get(Account, deal.account_id)
        if account.last_touch_at is None or account.last_touch_at < held:
            account.last_touch_at = held
        session.add(Commitment(account_id=deal.account_id, meeting_id=visit.id, party="theirs",
                               description=promised, due_on=(held + timedelta(days=7)).date(),
                               kept=False, resolved_at=held + timedelta(days=10),
                               created_at=held))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _company_name(rng: random.Random, industry: str, segment: str, taken: set[str]) -> str:
    for _ in range(50):
        if segment == "Federal":
            name = f"{rng.choice(NAME_FIRST)} {rng.choice(FEDERAL_NAMES)}"
        else:
            name = (f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND[industry])}"
                    f"{rng.choice(NAME_SUFFIX)}")
        if name not in taken:
            taken.add(name)
            return name
    name = f"{name} {len(taken)}"  # thousands of accounts (benchmarks) run out of combinations
    taken.add(name)
    return name


def _territory_rules(territory: Territory, design: DemoTerritory) -> TerritoryRule:
    """The rules a manager would type for the territory: its cities' postal prefixes, so the
    preview matches the accounts the territory holds (generated in the same cities) instead
    of "0 accounts match"."""
    prefixes = dict.fromkeys(city.zip_prefix for city in design.cities)
    return TerritoryRule(territory_id=territory.id, countries="US",
                         postal_prefixes=", ".join(prefixes))


def _account(rng: random.Random, owner: User, territory: Territory | None,
             cities: tuple[City, ...], now: datetime, taken: set[str]) -> dict:
    city = cities[0] if rng.random() < 0.55 else rng.choice(cities)
    segment = "Federal" if rng.random() < 0.04 else _weighted(rng, SEGMENT_WEIGHTS)
    industry = "Public Sector" if segment == "Federal" else rng.choice(INDUSTRIES)
    base = {"SMB": 25, "Mid-Market": 45, "Enterprise": 65, "Major": 80, "Federal": 70}[segment]
    potential = max(0, min(100, int(rng.gauss(base, 15))))
    customer = rng.random() < 0.3
    renewal = (now.date() + timedelta(days=rng.randint(10, 360))) if customer else None
    return dict(
        name=_company_name(rng, industry, segment, taken),
        industry=industry, segment=segment, status="customer" if customer else "prospect",
        street=f"{rng.randint(100, 4999)} {rng.choice(city.streets)}",
        city=city.name, region=city.region,
        postal_code=f"{city.zip_prefix}{rng.randint(1, 99):02d}",
        country="US",
        latitude=round(city.latitude + rng.uniform(-0.06, 0.06), 5),
        longitude=round(city.longitude + rng.uniform(-0.08, 0.08), 5),
        potential=potential,
        phone=f"({city.area_code}) 555-01{rng.randint(0, 99):02d}",
        customer_goal=rng.choice(GOALS) if customer else "",
        renewal_on=renewal,
        owner_id=owner.id, territory_id=territory.id if territory else None,
        # Imported with the territory list, before the demo's 18 months of history.
        created_at=_days_ago(now, rng.randint(HISTORY_DAYS + 10, HISTORY_DAYS + 900)),
    )


def _domain(company: str) -> str:
    words = [w for w in company.lower().replace("&", "").replace(".", "").split()
             if w not in {"inc", "llc", "co", "corp", "group"}]
    return "".join(ch for ch in "".join(words[:2]) if ch.isalnum()) + ".example"


def _contact(rng: random.Random, account: SimpleNamespace) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    previous = ""
    if rng.random() < 0.2:
        previous = ", ".join(f"{rng.choice(NAME_FIRST)} "
                             f"{rng.choice(NAME_SECOND[rng.choice(INDUSTRIES)])}"
                             for _ in range(rng.choice((1, 1, 2))))
    area = account.phone[1:4] if account.phone else "312"
    return dict(
        account_id=account.id, name=f"{first} {last}", title=rng.choice(TITLES),
        phone=f"({area}) 555-01{rng.randint(0, 99):02d}",
        email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@{_domain(account.name)}",
        attention=rng.choice(ATTENTION) if rng.random() < 0.8 else "",
        previous_companies=previous, created_at=account.created_at,
    )


def _money(value: int) -> Decimal:
    return Decimal(value - value % 500)


def _opportunities(rng: random.Random, account: SimpleNamespace, owner: User, now: datetime,
                   today: date):
    """Opportunities with the history that led to their current state (18 months of it)."""
    low, high = AMOUNT_RANGE[account.segment]
    count = rng.choice((0, 1, 1, 2, 2, 3)) + (1 if account.potential > 75 else 0)
    if account.status == "customer":
        count = max(count, 1)
    for index in range(min(count, 4)):
        if account.status == "customer" and index == 0:
            final = "won"
        else:
            final = _weighted(rng, (("first_meeting", 14), ("qualified", 16), ("proposal", 12),
                                    ("negotiation", 7), ("won", 12), ("lost", 12)))
        yield _opportunity(rng, account, owner, final, now, today, low, high)


def _opportunity(rng, account, owner, final, now, today, low, high):
    closed = final in ("won", "lost")
    if closed:
        created = _days_ago(now, rng.randint(60, HISTORY_DAYS))
        end = created + timedelta(days=rng.randint(30, min(300, max(31, (now - created).days - 2))))
    else:
        created = _days_ago(now, rng.randint(12, 330))
        end = now - timedelta(days=rng.uniform(0.5, 10))
    created = created.replace(hour=rng.randint(13, 22), minute=rng.choice((0, 15, 30, 45)))
    end = max(end, created + timedelta(days=1))

    path = ["first_meeting", "qualified", "proposal", "negotiation"]
    if final == "won":
        stages = path + ["won"]
    elif final == "lost":
        stages = path[: rng.randint(1, 4)] + ["lost"]
    else:
        stages = path[: path.index(final) + 1]

    amount = _money(rng.randint(low, high))
    close_on = (created + timedelta(days=rng.randint(90, 270))).date()
    history: list[tuple] = []
    moves = len(stages) - 1
    span = (end - created).total_seconds()
    stage_changed_at = created
    for step in range(moves):
        at = created + timedelta(seconds=span * (step + 1) / moves * rng.uniform(0.85, 1.0))
        at = max(at, stage_changed_at + timedelta(hours=1)).replace(microsecond=0)
        history.append((at, "stage", stages[step], stages[step + 1]))
        stage_changed_at = at
        # Deals slip and get re-scoped on the way.
        if rng.random() < 0.35:
            new_close = close_on + timedelta(days=rng.choice((14, 30, 30, 45, 60, 90)))
            history.append((at + timedelta(minutes=2), "close_on", close_on.isoformat(),
                            new_close.isoformat()))
            close_on = new_close
        if rng.random() < 0.25:
            new_amount = _money(int(amount * Decimal(str(rng.uniform(0.7, 1.3)))))
            history.append((at + timedelta(minutes=3), "amount", str(amount), str(new_amount)))
            amount = new_amount
    closed_at = stage_changed_at if closed else None
    if closed:
        close_on = closed_at.date()
        next_step, next_step_on = "", None
    else:
        if close_on < today:  # an open deal whose date slipped past: it was pushed, recorded
            new_close = today + timedelta(days=rng.randint(20, 150))
            at = (now - timedelta(days=rng.uniform(0.2, 3))).replace(microsecond=0)
            at = max(at, stage_changed_at + timedelta(minutes=5))
            history.append((at, "close_on", close_on.isoformat(), new_close.isoformat()))
            close_on = new_close
        next_step = rng.choice(NEXT_STEPS)
        roll = rng.random()
        if roll < 0.12:
            next_step_on = today - timedelta(days=rng.randint(1, 10))  # overdue
        elif roll < 0.22:
            next_step_on = today
        elif roll < 0.92:
            next_step_on = today + timedelta(days=rng.randint(1, 21))
        else:
            next_step_on = None
    qualified = "qualified" in stages
    forecast = {
        "first_meeting": "pipeline", "qualified": rng.choice(("pipeline", "best_case")),
        "proposal": rng.choice(("best_case", "commit")), "negotiation": "commit",
        "won": "commit", "lost": "omitted",
    }[final]
    history.sort(key=lambda change: change[0])
    # Each timestamp is one saved edit; it produced the next version of the opportunity.
    stamps = sorted({at for at, *_ in history})
    versions = {at: index + 2 for index, at in enumerate(stamps)}
    history = [(at, field, old, new, versions[at]) for at, field, old, new in history]
    updated = history[-1][0] if history else created
    events = len(stamps)
    product = rng.choice(("Platform", "Field roll-out", "Pilot", "Second site", "Analytics add-on",
                          "Mobile app for the field team", "Multi-year agreement"))
    opp = dict(
        account_id=account.id, owner_id=owner.id,
        name=product,
        stage=final, amount=amount, currency="USD", close_on=close_on,
        next_step=next_step, next_step_on=next_step_on, qualified=qualified,
        forecast_category=forecast, version=1 + events,
        created_at=created, updated_at=updated, stage_changed_at=stage_changed_at,
        closed_at=closed_at,
    )
    return opp, history


def _meetings(rng: random.Random, account: SimpleNamespace, owner: User, people: list[dict],
              now: datetime, tz: str) -> list[dict]:
    """Meetings over the last 18 months, more of them for high-potential accounts."""
    count = rng.randint(1, 4) + account.potential // 12
    # Accounts the rep met for the first time inside the window get a first meeting.
    first_in_window = account.status == "prospect" or rng.random() < 0.2
    days = sorted(rng.sample(range(0, HISTORY_DAYS), k=min(count, HISTORY_DAYS)), reverse=True)
    today = now.date()
    meetings = []
    for index, days_back in enumerate(days):
        day = today - timedelta(days=days_back)
        if day.weekday() >= 5:
            day -= timedelta(days=day.weekday() - 4)  # to Friday
        local_start = datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))))
        started = to_utc(local_start, tz)
        if started > now - timedelta(minutes=90):
            started = (now - timedelta(hours=rng.randint(2, 30))).replace(minute=0, second=0,
                                                                           microsecond=0)
        kind = _weighted(rng, MEETING_KINDS)
        duration = rng.choice((15, 30, 30, 45, 60, 60, 90)) if kind != "lunch" else 90
        location = {"in_person": account.street, "video": "Video call", "phone": "",
                    "lunch": f"Lunch near {account.street.split(' ', 1)[1]}",
                    "partner": "Partner's office"}[kind]
        attendees = ", ".join(p["name"] for p in rng.sample(people, k=rng.randint(1, len(people))))
        meetings.append(dict(
            account_id=account.id, user_id=owner.id, started_at=started, kind=kind,
            duration_minutes=duration, location=location, attendees=attendees,
            engagement=None if rng.random() < 0.1 else _weighted(
                rng, ((1, 5), (2, 12), (3, 30), (4, 35), (5, 18))),
            # About one meeting in four was asked for by the customer (no draw: the demo's
            # random sequence stays as it was).
            initiated_by="them" if (account.id + index) % 4 == 0 else "us",
            notes=rng.choice(MEETING_NOTES),
            is_first_meeting=first_in_window and index == 0,
            created_at=started + timedelta(minutes=duration + rng.randint(1, 120)),
        ))
    return meetings


def _reminders(session: Session, reps: list[User], now: datetime) -> list:
    """Web Push reminders: Maya owes a customer something today (it shows on her Today and
    would reach her phone), Luis chose his own quiet hours and no offline-change alerts."""
    from webapp.clock import to_local
    from webapp.models import ReminderSettings

    maya, luis = reps[0], reps[1]
    account_id = session.scalar(select(Account.id).where(Account.owner_id == maya.id)
                                .order_by(Account.last_touch_at.desc().nulls_last(), Account.id))
    due_today = Commitment(account_id=account_id, party="ours",
                           description="Send the revised pricing sheet to procurement",
                           due_on=to_local(now, maya.timezone).date(), created_at=now)
    luis_settings = ReminderSettings(user_id=luis.id, commitments=True, slipping=True,
                                     territory=True, queued=False, slip_days=10,
                                     quiet_start=time(21, 0), quiet_end=time(6, 30))
    return [due_today, luis_settings]


def _commitments(rng: random.Random, meeting: dict, today: date) -> list[dict]:
    """What each side promised in a meeting; the old ones resolved, some recent ones open."""
    made = []
    for party, chance, texts in (("theirs", 0.4, THEIR_COMMITMENTS),
                                 ("ours", 0.25, OUR_COMMITMENTS)):
        if rng.random() >= chance:
            continue
        due = meeting["started_at"].date() + timedelta(days=rng.randint(2, 21))
        kept = None
        resolved_at = None
        overdue_days = (today - due).days
        # Recent promises may still be open (some already late); older ones are settled.
        if overdue_days > 14 or (overdue_days > 0 and rng.random() < 0.45):
            kept = rng.random() < (0.55 if party == "theirs" else 0.85)
            resolved_at = datetime.combine(due, time(17, 0)) - timedelta(days=rng.randint(0, 2))
            resolved_at = max(resolved_at, meeting["started_at"] + timedelta(hours=2))
        made.append(dict(
            account_id=meeting["account_id"], meeting_id=meeting["id"], party=party,
            description=rng.choice(texts), due_on=due, kept=kept, resolved_at=resolved_at,
            created_at=meeting["created_at"],
        ))
    return made


# Customer success (issue 14 items 4 and 6): what each rep said about their customers renewing
# soon, and two willing references near a prospect rep 1 cannot reach.
HEALTH_CASES = (
    ("good", "Live on both lines; the plant manager quotes the savings."),
    ("watch", "New CFO reviews every contract over $50k."),
    ("at_risk", "Our champion left in September; nobody owns the roll-out."),
    ("good", "Asked for a second site."),
)
OUTCOMES = ("Fewer night shifts spent firefighting.", "One number for the board, every month.",
            "Their own team runs it without us.")


def _customer_success(session: Session, reps: list[User], now: datetime) -> None:
    from webapp.models import AccountSuccess
    from webapp.services.success import create_due_renewal_opportunities

    today = now.date()
    for rep in reps:
        renewing = session.scalars(
            select(Account).where(Account.owner_id == rep.id, Account.status == "customer",
                                  Account.renewal_on <= today + timedelta(days=90))
            .order_by(Account.renewal_on, Account.id).limit(len(HEALTH_CASES))).all()
        for i, account in enumerate(renewing):
            health, reason = HEALTH_CASES[i]
            session.add(AccountSuccess(
                account_id=account.id, outcome=OUTCOMES[i % len(OUTCOMES)], health=health,
                health_reason=reason, health_set_at=_days_ago(now, 3 + 5 * i),
                health_set_by_id=rep.id, reference_willing=False, updated_at=now))
    session.flush()
    # Rep 1's hard-to-reach prospect: two happy customers in its industry, willing to host,
    # each with a recent good meeting.
    rep = reps[0]
    prospect = session.scalars(
        select(Account).where(Account.owner_id == rep.id, Account.status == "prospect",
                              Account.potential >= 60)
        .order_by(Account.potential.desc(), Account.id).limit(1)).first()
    if prospect is not None:
        hosts = session.scalars(
            select(Account).where(Account.owner_id == rep.id, Account.status == "customer",
                                  Account.id.not_in(select(AccountSuccess.account_id)))
            .order_by((Account.industry == prospect.industry).desc(),
                      (Account.city == prospect.city).desc(), Account.id).limit(2)).all()
        for host in hosts:
            session.add(AccountSuccess(
                account_id=host.id, outcome="Show their peers what worked.", health="good",
                health_reason="Renewed early; happy to talk about it.",
                health_set_at=_days_ago(now, 20), health_set_by_id=rep.id,
                reference_willing=True, updated_at=now))
            session.add(Meeting(account_id=host.id, user_id=rep.id,
                                started_at=_days_ago(now, 12), kind="lunch", duration_minutes=60,
                                engagement=5, notes="Quarterly review; they offered to host a peer.",
                                created_at=_days_ago(now, 12)))
        session.add(Note(user_id=rep.id, account_id=prospect.id, created_at=_days_ago(now, 2),
                         body="Third voicemail for the CIO, no answer. Try a reference lunch."))
    session.flush()
    create_due_renewal_opportunities(session, today)


def _demo_calendar(session: Session, rep: User, now: datetime) -> None:
    """Calendar in (issue 15): the first rep uploaded their calendar; two of its events are
    about their accounts (a contact invited; the account's name as the place) and become
    meeting drafts on Today, a weekly team call and a dentist appointment do not."""
    from webapp.services.calendars import import_upload

    account, contact = session.execute(
        select(Account, Contact).join(Contact, Contact.account_id == Account.id)
        .where(Account.owner_id == rep.id, Contact.email != "")
        .order_by(Account.id, Contact.id).limit(1)).one()
    other = session.scalar(select(Account).where(Account.owner_id == rep.id,
                                                 Account.id != account.id)
                           .order_by(Account.id).limit(1))
    hour = now.replace(minute=0, second=0, microsecond=0)
    today = to_local(now, rep.timezone).date()

    def local(day: date, at: int) -> datetime:  # a working hour in the rep's own time zone
        return to_utc(datetime.combine(day, time(at)), rep.timezone)

    def stamp(value: datetime) -> str:
        return value.strftime("%Y%m%dT%H%M%SZ")

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Groundwork//Demo//EN"]
    for uid, start, minutes, summary, extra in (
        ("demo-review", local(today - timedelta(days=1), 10), 60, "Quarterly review", [
            f"ATTENDEE;CN={rep.name}:mailto:{rep.email}",
            f"ATTENDEE;CN={contact.name}:mailto:{contact.email}"]),
        ("demo-visit", local(today, 8), 45, "Site visit", [
            f"LOCATION:{other.name}, {other.city}"]),
        ("demo-dentist", hour - timedelta(days=2), 30, "Dentist", []),
        ("demo-team", hour - timedelta(days=6), 30, "Team call", [
            "RRULE:FREQ=WEEKLY;COUNT=8", "ATTENDEE:mailto:manager@example.com"]),
    ):
        lines += ["BEGIN:VEVENT", f"UID:{uid}@demo", f"DTSTAMP:{stamp(hour)}",
                  f"DTSTART:{stamp(start)}", f"DTEND:{stamp(start + timedelta(minutes=minutes))}",
                  f"SUMMARY:{summary}", *(line.replace(",", "\\,") if line.startswith("LOCATION")
                                          else line for line in extra), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    import_upload(session, rep, "\r\n".join(lines).encode())


def _people_and_old_lists(session: Session, reps: list[User], now: datetime) -> None:
    """Issue 14 for the first rep: a former champion who moved to a prospect in the second
    rep's territory (its owner sees who joined, and who knows her), one who left for no
    company yet, one at a company outside every territory; and an old list: interest 6 to 18
    months ago (an engaged meeting, a meeting they asked for, a deal lost to no decision or
    timing) at quiet accounts with no open deal."""
    rep, other = reps[0], reps[1]
    today = now.date()

    def accounts(owner: User, status: str) -> list[Account]:
        open_deal = select(Opportunity.id).where(Opportunity.account_id == Account.id,
                                                 Opportunity.stage.in_(OPEN_STAGES)).exists()
        return list(session.scalars(select(Account).where(
            Account.owner_id == owner.id, Account.status == status, ~open_deal)
            .order_by(Account.potential.desc(), Account.id)))

    def first_contact(account: Account) -> Contact:
        return session.scalars(select(Contact).where(Contact.account_id == account.id)
                               .order_by(Contact.id)).first()

    customers = accounts(rep, "customer")
    prospect = accounts(other, "prospect")[0]
    moves = [(customers[0], "VP Operations", prospect, "", 75),  # champion, to Luis's prospect
             (customers[1], "Director of Procurement", None, "", 20),  # no company yet
             (customers[2], "Plant Manager", None, "Northwind Health Partners", 140)]
    for index, (left, title, joined, company, days) in enumerate(moves):
        person = first_contact(left)
        moved_on = today - timedelta(days=days)
        session.add(ContactPosition(contact_id=person.id, account_id=left.id, title=title,
                                    started_on=today - timedelta(days=900), ended_on=moved_on,
                                    recorded_by_id=rep.id, created_at=now))
        session.add(ContactPosition(contact_id=person.id, account_id=joined.id if joined else None,
                                    company_name=company, title="COO" if joined else "",
                                    started_on=moved_on, recorded_by_id=rep.id, created_at=now))
        person.title = "COO" if joined else ""
        person.champion = index == 0
        if joined is not None:
            person.account_id, person.left_on = joined.id, None
        else:
            person.left_on = moved_on
        session.add(KeepInTouch(user_id=rep.id, contact_id=person.id, created_at=now))
        if index != 1:
            session.add(Touch(user_id=rep.id, contact_id=person.id, kind="call",
                              touched_at=now - timedelta(days=days // 2)))

    # The old list: quiet accounts (no open deal, nothing for months) that once showed interest.
    cutoff = now - timedelta(days=190)
    quiet = sorted((a for a in accounts(rep, "prospect") + customers[3:]
                    if a.last_touch_at is None or a.last_touch_at < cutoff),
                   key=lambda a: (a.last_touch_at or datetime.min, a.id))
    signals = [(230, dict(engagement=5)), (300, dict(initiated_by="them", engagement=4)),
               (410, dict(engagement=4)), (260, "no_decision"), (350, dict(initiated_by="them")),
               (480, "timing")]
    for (days, what), account in zip(signals, quiet):
        # After whatever last happened there, and still 6 to 18 months ago.
        at = now - timedelta(days=days)
        if account.last_touch_at is not None and account.last_touch_at >= at:
            at = account.last_touch_at + timedelta(days=3)
        person = first_contact(account)
        if isinstance(what, str):
            deal = Opportunity(account_id=account.id, owner_id=rep.id, name="Line expansion",
                               stage="lost", amount=Decimal("85000"), close_on=at.date(),
                               created_at=at - timedelta(days=120), updated_at=at,
                               stage_changed_at=at, closed_at=at, qualified=False)
            session.add(deal)
            session.flush()
            session.add(OpportunityChange(opportunity_id=deal.id, user_id=rep.id, changed_at=at,
                                          field="stage", old_value="first_meeting",
                                          new_value="lost", version=1))
            session.add(DealClosure(opportunity_id=deal.id, outcome="lost", loss_reason=what,
                                    amount=deal.amount, previous_stage="proposal",
                                    previous_amount=deal.amount, closed_by_id=rep.id,
                                    closed_at=at))
        else:
            session.add(Meeting(account_id=account.id, user_id=rep.id, started_at=at,
                                kind="in_person", duration_minutes=45,
                                attendees=person.name if person else "",
                                notes="Keen on the idea; budget not there this year.", **what))
            account.last_touch_at = at  # the latest meeting (a lost deal touches nothing)
    session.flush()
