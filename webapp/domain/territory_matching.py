"""Which territory an account belongs to by the territories' rules (states, postal codes,
segments, industries, potential, a radius), as plain functions. No Flask, no database."""
from __future__ import annotations

import math
from dataclasses import dataclass

POTENTIAL_BANDS = {"low": (0, 39), "medium": (40, 69), "high": (70, 100)}


def potential_band(potential: int) -> str:
    for band, (low, high) in POTENTIAL_BANDS.items():
        if low <= potential <= high:
            return band
    return "high" if potential > 100 else "low"


@dataclass(frozen=True)
class AccountFacts:
    id: int
    country: str = ""
    region: str = ""
    postal_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    industry: str = ""
    segment: str = ""
    potential: int = 50
    territory_id: int | None = None


@dataclass(frozen=True)
class Radius:
    latitude: float
    longitude: float
    km: float


@dataclass(frozen=True)
class TerritoryRules:
    """What a territory covers. Every criterion that is filled in must hold; within one
    criterion any listed value will do. A territory with no criterion matches nothing by
    rule (it gets accounts only by manual override)."""

    territory_id: int
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    postal_prefixes: tuple[str, ...] = ()
    radius: Radius | None = None
    industries: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    potential_bands: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.countries or self.regions or self.postal_prefixes or self.radius
                    or self.industries or self.segments or self.potential_bands)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _postal(value: str) -> str:
    return "".join(value.split()).upper()


def matches(rules: TerritoryRules, account: AccountFacts) -> bool:
    """Does the account fall in the territory by its rules?"""
    if rules.is_empty:
        return False
    if rules.countries and _norm(account.country) not in {_norm(c) for c in rules.countries}:
        return False
    if rules.regions and _norm(account.region) not in {_norm(r) for r in rules.regions}:
        return False
    if rules.postal_prefixes:
        code = _postal(account.postal_code)
        if not code or not any(code.startswith(_postal(p)) for p in rules.postal_prefixes if p):
            return False
    if rules.radius is not None:
        if account.latitude is None or account.longitude is None:
            return False
        r = rules.radius
        if haversine_km(r.latitude, r.longitude, account.latitude, account.longitude) > r.km:
            return False
    if rules.industries and _norm(account.industry) not in {_norm(i) for i in rules.industries}:
        return False
    if rules.segments and _norm(account.segment) not in {_norm(s) for s in rules.segments}:
        return False
    if rules.potential_bands and potential_band(account.potential) not in rules.potential_bands:
        return False
    return True


@dataclass(frozen=True)
class Match:
    account_id: int
    territory_id: int | None  # the territory the design gives the account (None: none)
    how: str  # override | rule | conflict | unmatched
    candidates: tuple[int, ...] = ()


def assign_territories(accounts: list[AccountFacts], territories: list[TerritoryRules],
                       overrides: dict[int, int] | None = None) -> dict[int, Match]:
    """The territory each account belongs to by design.

    A manual override wins over the rules. Matched by two or more territories: a conflict,
    shown in the preview; the account keeps its current territory if that is one of them
    (no churn without reason), else it goes to the lowest territory id. Matched by none:
    unmatched, and it keeps its current territory.
    """
    overrides = overrides or {}
    result: dict[int, Match] = {}
    for account in accounts:
        if account.id in overrides:
            result[account.id] = Match(account.id, overrides[account.id], "override")
            continue
        hits = tuple(sorted(t.territory_id for t in territories if matches(t, account)))
        if len(hits) == 1:
            result[account.id] = Match(account.id, hits[0], "rule", hits)
        elif hits:
            chosen = account.territory_id if account.territory_id in hits else hits[0]
            result[account.id] = Match(account.id, chosen, "conflict", hits)
        else:
            result[account.id] = Match(account.id, account.territory_id, "unmatched")
    return result


@dataclass(frozen=True)
class MatchSummary:
    matched: int  # accounts this territory's rules match
    unmatched: tuple[int, ...]  # accounts (of all) matched by no territory and no override
    conflicts: tuple[int, ...]  # accounts matched by two or more territories


def match_summary(territory_id: int, matches_by_account: dict[int, Match]) -> MatchSummary:
    """For a territory's edit page: how many accounts its rules take, and the design's gaps."""
    matched = sum(1 for m in matches_by_account.values()
                  if territory_id in m.candidates or (m.how == "override"
                                                      and m.territory_id == territory_id))
    unmatched = tuple(sorted(a for a, m in matches_by_account.items() if m.how == "unmatched"))
    conflicts = tuple(sorted(a for a, m in matches_by_account.items() if m.how == "conflict"))
    return MatchSummary(matched, unmatched, conflicts)


def split_list(text: str) -> tuple[str, ...]:
    """'IL, WI;  IN' -> ('IL', 'WI', 'IN'): how list fields are typed and stored."""
    parts = text.replace(";", ",").replace("\n", ",").split(",")
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
