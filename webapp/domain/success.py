"""Customer success, cascade deals and effort against potential: the pure rules (no Flask, no DB).

- Health: the rep's own judgement of a customer (good / watch / at risk), with a reason.
- Renewals: a renewal close enough gets its "Renewal: <account>" opportunity ahead of time.
- Cascade: rank happy customers as references for a hard-to-reach prospect (same industry,
  nearby, recent positive meetings), and never wear one out (each ask counts against them).
- Effort against potential: where the rep's meetings went by potential band, against where
  the potential is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

HEALTHS = ("good", "watch", "at_risk")
HEALTH_LABELS = {"good": "Good", "watch": "Watch", "at_risk": "At risk"}

# A renewal this close gets its opportunity made now (cron and on saving the date).
RENEWAL_LEAD_DAYS = 120
RENEWAL_WINDOWS = (90, 180)


def renewal_opportunity_name(account_name: str) -> str:
    return f"Renewal: {account_name}"[:200]


def renewal_needs_opportunity(renewal_on: date | None, made_for: date | None, today: date,
                              lead_days: int = RENEWAL_LEAD_DAYS) -> bool:
    """True when the renewal on `renewal_on` is due within `lead_days` (and not past) and no
    opportunity was made for this very renewal date yet (`made_for`): once per renewal."""
    if renewal_on is None or renewal_on == made_for:
        return False
    return today <= renewal_on <= today + timedelta(days=lead_days)


# ---- cascade: reference customers ------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0
NEARBY_KM = 80.0
POSITIVE_ENGAGEMENT = 4      # a meeting engaged 4 or 5 (of 5) is a positive one
RECENT_MEETING_DAYS = 180
ASK_MEMORY_DAYS = 365        # asks older than this no longer count against a reference
RESTING_DAYS = 30            # asked this recently: rest them (shown last, marked)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(a: tuple[float | None, float | None], b: tuple[float | None, float | None]
                ) -> float | None:
    if None in a or None in b:
        return None
    return haversine_km(a[0], a[1], b[0], b[1])


@dataclass(frozen=True)
class Candidate:
    """A customer that might host: what the ranking needs to know about them."""

    account_id: int
    industry: str
    latitude: float | None
    longitude: float | None
    health: str | None
    willing: bool
    last_positive_meeting: datetime | None
    asks: int                       # asks within ASK_MEMORY_DAYS
    last_asked_at: datetime | None


@dataclass(frozen=True)
class Suggestion:
    account_id: int
    score: float
    same_industry: bool
    distance_km: float | None
    resting: bool                   # asked within RESTING_DAYS
    reasons: tuple[str, ...]
    last_asked_at: datetime | None = None


def rank_references(prospect_industry: str, prospect_at: tuple[float | None, float | None],
                    candidates: list[Candidate], now: datetime, limit: int = 5
                    ) -> list[Suggestion]:
    """Happy customers who could host the prospect, best first.

    Only customers whose health is good and who share the prospect's industry or are within
    NEARBY_KM qualify. Points: same industry 3, nearby up to 3 (closer is more), a positive
    meeting in the last RECENT_MEETING_DAYS 2, marked willing 2; each ask in the last year
    costs 1.5 and one within RESTING_DAYS sends them to the end, so nobody is worn out."""
    industry = (prospect_industry or "").strip().lower()
    ranked: list[Suggestion] = []
    for c in candidates:
        if c.health != "good":
            continue
        same = bool(industry) and (c.industry or "").strip().lower() == industry
        km = distance_km(prospect_at, (c.latitude, c.longitude))
        near = km is not None and km <= NEARBY_KM
        if not (same or near):
            continue
        score, reasons = 0.0, []
        if same:
            score += 3
            reasons.append("same industry")
        if near:
            score += 3 * (1 - km / NEARBY_KM) + 1
            reasons.append(f"{km:.0f} km away")
        if c.last_positive_meeting and now - c.last_positive_meeting <= timedelta(
                days=RECENT_MEETING_DAYS):
            score += 2
            reasons.append("recent good meeting")
        if c.willing:
            score += 2
            reasons.append("willing reference")
        score -= 1.5 * c.asks
        resting = c.last_asked_at is not None and now - c.last_asked_at < timedelta(
            days=RESTING_DAYS)
        if c.asks:
            reasons.append(f"asked {c.asks}× this year")
        ranked.append(Suggestion(c.account_id, round(score, 3), same, km, resting, tuple(reasons),
                                 c.last_asked_at))
    ranked.sort(key=lambda s: (s.resting, -s.score, s.account_id))
    return ranked[:limit]


def invitation(prospect_name: str, prospect_contact: str, host_name: str, host_contact: str,
               rep_name: str) -> tuple[str, str]:
    """Subject and body of the invitation to a reference lunch (the rep edits it in their mail)."""
    greeting = f"Hi {prospect_contact.split()[0]}," if prospect_contact.strip() else "Hello,"
    host = f"{host_contact} of {host_name}" if host_contact else host_name
    subject = f"Lunch with {host_name}?"
    body = (f"{greeting}\n\n{host} has been working with us and is happy to share how it went. "
            f"Would you join us for lunch in the next few weeks? Name a day that suits you.\n\n"
            f"Best regards,\n{rep_name}")
    return subject, body


# ---- effort against potential ----------------------------------------------------------------

HIGH_POTENTIAL = 70
LOW_POTENTIAL = 40
BANDS = ("high", "medium", "low")
BAND_LABELS = {"high": f"High ≥{HIGH_POTENTIAL}", "medium": "Medium",
               "low": f"Low <{LOW_POTENTIAL}"}
EFFORT_QUARTER_DAYS = 91
# A band whose share of meetings is this many points above its share of potential (low) or
# below it (high) is out of balance.
IMBALANCE_POINTS = 15


def potential_band(potential: int) -> str:
    if potential >= HIGH_POTENTIAL:
        return "high"
    if potential < LOW_POTENTIAL:
        return "low"
    return "medium"


@dataclass(frozen=True)
class BandEffort:
    band: str
    accounts: int
    meetings: int
    meeting_share: int      # percent of the rep's meetings
    potential_share: int    # percent of the rep's potential (sum of scores)

    @property
    def label(self) -> str:
        return BAND_LABELS[self.band]


@dataclass(frozen=True)
class Effort:
    bands: tuple[BandEffort, ...]
    meetings: int
    unbalanced: bool        # too much on low, or too little on high


def _shares(values: list[int]) -> list[int]:
    """Whole percentages of `values` that add up to 100 (largest remainder), or all 0."""
    total = sum(values)
    if not total:
        return [0] * len(values)
    raw = [v * 100 / total for v in values]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)[
            :100 - sum(shares)]:
        shares[i] += 1
    return shares


def effort_against_potential(rows: dict[str, tuple[int, int, int]]) -> Effort:
    """`rows`: band -> (accounts, sum of potential, meetings). Shares per band and whether the
    effort is out of balance with the potential."""
    accounts = [rows.get(b, (0, 0, 0))[0] for b in BANDS]
    potential = [rows.get(b, (0, 0, 0))[1] for b in BANDS]
    meetings = [rows.get(b, (0, 0, 0))[2] for b in BANDS]
    meeting_shares, potential_shares = _shares(meetings), _shares(potential)
    bands = tuple(BandEffort(b, accounts[i], meetings[i], meeting_shares[i], potential_shares[i])
                  for i, b in enumerate(BANDS))
    by = {x.band: x for x in bands}
    total = sum(meetings)
    unbalanced = total > 0 and (
        by["low"].meeting_share - by["low"].potential_share >= IMBALANCE_POINTS
        or by["high"].potential_share - by["high"].meeting_share >= IMBALANCE_POINTS)
    return Effort(bands, total, unbalanced)
