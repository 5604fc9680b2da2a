"""How values read on a phone: one family of dates in the user's time zone, money as money,
tap-to links.

Dates and money are written by Babel (CLDR month and day names, currency symbols and grouping)
with one set of patterns, so every page reads the same: "Nov 20" in lists, "Mon Nov 23" for a
day, "Mon Nov 23, 2:00 PM" for a moment, the year added when it is not this one; "$120,000".
Registered as Jinja filters, all of them (see `init_app`); plain functions, testable alone.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from urllib.parse import quote
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from babel.dates import format_date, format_time
from babel.numbers import format_currency, get_currency_symbol

from flask import g, has_app_context

from webapp.clock import local_today, to_local
from webapp.domain.csv_mapping import ENCODING_LABELS
from webapp.domain.stages import FUNNEL_LABELS, STAGE_LABELS
from webapp.domain.success import HEALTH_LABELS

LOCALE = "en_US"
DAY = "EEE MMM d"          # Mon Nov 23
DAY_YEAR = "EEE MMM d y"   # Sun Jan 31 2027
MONTH_DAY = "MMM d"        # Nov 20
MONTH_YEAR = "MMM y"       # Nov 2025
TIME = "h:mm a"            # 2:00 PM


@lru_cache(maxsize=4096)
def _format_date(value: date, pattern: str) -> str:
    """Babel's format_date, kept per (day, pattern): a page formats the same few days again
    and again, and Babel parses and walks the pattern each time (pure: no clock, no zone)."""
    return format_date(value, pattern, locale=LOCALE)


@lru_cache(maxsize=2048)
def _format_time(value: time) -> str:
    return format_time(value, TIME, locale=LOCALE)


def money(amount: Decimal | int | str | None, currency: str = "USD") -> str:
    """'$120,000', '€5,000', 'CA$1,200' (whole units: a deal's size, not an invoice); cents
    only when there are some ('$99.50'). Text from a change log ('47000.00') reads the same."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    code = (currency or "USD").upper()
    known = get_currency_symbol(code, locale=LOCALE) != code
    pattern = ("¤" if known else "¤\u00a0") + pattern
    return format_currency(value, code, format=pattern, locale=LOCALE,
                           currency_digits=False)


def _zone(tz: str | None) -> str:
    """`tz`, else the signed-in user's time zone, else UTC: a page never mixes zones."""
    if tz:
        return tz
    user = g.get("user") if has_app_context() else None
    return getattr(user, "timezone", None) or "UTC"


def _this_year(tz: str | None) -> int:
    return local_today(_zone(tz)).year


def short_date(value: date | datetime | None, tz: str | None = None) -> str:
    """'Nov 20' this year, 'Nov 2025' otherwise; datetimes (naive UTC) shown in `tz` (by
    default the user's) first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, _zone(tz)).date()
    pattern = MONTH_DAY if value.year == _this_year(tz) else MONTH_YEAR
    return _format_date(value, pattern)


MONTH_ABBREVIATIONS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                       "Nov", "Dec")  # CLDR en_US "MMM", as Babel writes them


def touch_labels(values: list[datetime | None], tz: str) -> list[str]:
    """short_date() of many naive UTC datetimes at once, for a list: one time zone lookup and
    one conversion per distinct quarter hour (every zone's midnight falls on one) instead of
    one per row, the quarter hour found by integer arithmetic."""
    zone = ZoneInfo(tz)
    this_year = local_today(tz).year
    labels: dict[int, str] = {}
    out = []
    for value in values:
        if value is None:
            out.append("")
            continue
        quarter = value.toordinal() * 96 + value.hour * 4 + value.minute // 15
        label = labels.get(quarter)
        if label is None:
            day = value.replace(tzinfo=UTC).astimezone(zone)
            month = MONTH_ABBREVIATIONS[day.month]
            label = f"{month} {day.day}" if day.year == this_year else f"{month} {day.year}"
            labels[quarter] = label
        out.append(label)
    return out


def territory_rows_html(rows, detail_prefix: str, tz: str, show_owner: bool) -> Markup:
    """The territory list's rows as HTML, built in one loop: a page of 300 rows through Jinja
    costs more than the rest of the request. Every value is escaped; the markup is what
    territory.js reads (name in <b>, text in <small>, <time datetime>, potential in <i>).
    Rows are unpacked as tuples (a Row's attribute access costs more than the rest), and the
    <small> line, repeated across rows (a few cities, industries and owners), is escaped once
    per distinct value."""
    labels = touch_labels([r[4] for r in rows], tz)
    smalls: dict[tuple, str] = {}
    out = []
    for (account_id, name, city, industry, touched, potential, owner_name), label in zip(
            rows, labels):
        owner_name = owner_name if show_owner else None
        small = smalls.get((city, industry, owner_name))
        if small is None:
            small = f"{escape(city)} · {escape(industry)}"
            if owner_name:
                small += f" · {escape(owner_name)}"
            smalls[(city, industry, owner_name)] = small
        touch = (f'<time datetime="{touched:%Y-%m-%dT%H:%MZ}">{label}</time>'
                 if touched else "<span>never</span>")
        out.append(f'<li><a href="{detail_prefix}{int(account_id)}"><b>{escape(name)}</b>'
                   f"<small>{small}</small>{touch}<i>{int(potential)}</i></a></li>")
    return Markup("".join(out))


def day_date(value: date | datetime | None, tz: str | None = None, year: bool = False) -> str:
    """'Mon Nov 23' for due dates (the weekday matters more than the year); the year is added
    when asked for or when it is not this one ('Sun Jan 31 2027')."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, _zone(tz)).date()
    pattern = DAY_YEAR if year or value.year != _this_year(tz) else DAY
    return _format_date(value, pattern)


def full_date(value: date | datetime | None, tz: str | None = None) -> str:
    """'Mon Dec 7 2026': a date that must not be misread a year later (plans, history)."""
    return day_date(value, tz, year=True)


def local_datetime(value: datetime | None, tz: str | None = None) -> str:
    """'Fri Nov 20, 2:00 PM' in the user's time zone (the year only when it is not this one)."""
    if value is None:
        return ""
    local = to_local(value, _zone(tz))
    return f"{day_date(local.date(), tz)}, {_format_time(local.time())}"


def change_value(field: str, value, currency: str = "USD") -> str:
    """A changed opportunity value as a person reads it: '$47,000', 'Sun Jan 31 2027', a stage's
    name, Yes/No (change logs keep plain text such as '47000.00' or '2027-06-08')."""
    if value is None or value == "":
        return "–"
    if field == "amount":
        return money(value, currency)
    if field.endswith("_on"):
        try:
            return full_date(value if isinstance(value, date) else date.fromisoformat(value[:10]))
        except ValueError:
            return str(value)
    if field == "qualified":
        return "Yes" if str(value).lower() in ("true", "1", "yes", "y") else "No"
    if field == "stage":
        return STAGE_LABELS.get(value, value)
    return str(value)


def tel_href(phone: str) -> str:
    """tel: URI keeping only what a dialer uses (+, digits); US numbers get +1."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    if len(digits) == 10 and not digits.startswith("+"):
        digits = "+1" + digits
    return f"tel:{digits}"


def mailto_href(email: str) -> str:
    return f"mailto:{quote(email or '', safe='@.+-_')}"


def directions_href(latitude: float | None, longitude: float | None, address: str = "") -> str:
    """A Google Maps 'Maps URL' for directions to the place.

    Documented as cross-platform: it opens the Google Maps app on Android, and on iPhone when
    it is installed (Safari's Google Maps site otherwise). `geo:` URIs do nothing on iOS, and
    maps.apple.com is not handled by Android's maps app, so this is the one link that works
    on both. Coordinates win over the address (they are exact); the address is the fallback.
    """
    if latitude is not None and longitude is not None:
        destination = f"{latitude:.5f},{longitude:.5f}"
    elif address:
        destination = quote(address)
    else:
        return ""
    return f"https://www.google.com/maps/dir/?api=1&destination={destination}"


def plan_date(value: date | None) -> str:
    """'Mon Nov 9 2026': plan dates are announced, so they carry the weekday and the year
    (the app's one date family: webapp/display.py)."""
    return full_date(value)

def pct(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"

def ratio(value) -> str:
    return "–" if value is None else f"{value:.1f}×"

def thousands(number: int) -> str:
    """12,000: counts of rows are read at a glance."""
    return f"{number or 0:,}"

def stage_label(stage: str) -> str:
    """'First meeting', 'Negotiation': a deal's stage as the pages name it."""
    return STAGE_LABELS.get(stage, stage)


def funnel_label(level: str) -> str:
    """'First meetings', 'Proposals': a level of the farming algorithm's funnel."""
    return FUNNEL_LABELS.get(level, level)


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding, encoding)


# Words a page shows for a stored code: kept here, not in templates (one place for labels).
IMPORT_PROGRESS = {"checking": "Checking every row", "importing": "Importing",
                   "undoing": "Putting back what was written"}
IMPORT_STATUS = {"checking": "being checked", "checked": "checked, not imported",
                 "importing": "importing", "undoing": "putting back", "imported": "imported",
                 "failed": "not imported"}
CHANGE_FIELDS = {"stage": "stage", "close_on": "close date", "amount": "amount",
                 "qualified": "qualified"}
DELIMITER_LABELS = {",": "commas", ";": "semicolons", "\t": "tabs"}
ACCOUNT_SORTS = (("name", "Name"), ("touch", "Last touch"), ("potential", "Potential"))
ERROR_MESSAGES = {404: "There is nothing here, or it is not yours to see.",
                  401: "Please sign in again.", 413: "That was too much to send at once."}


def import_progress(status: str) -> str:
    """The heading while an import job runs: 'Checking every row'."""
    return IMPORT_PROGRESS.get(status, "")

def import_status(status: str) -> str:
    """An upload's state in the recent list: 'checked, not imported'."""
    return IMPORT_STATUS.get(status, "")

def delimiter_label(delimiter: str) -> str:
    """How a CSV file's columns were separated: 'commas'."""
    return DELIMITER_LABELS.get(delimiter, delimiter)

def change_field(field: str) -> str:
    """Which value of a deal changed, as a person says it: 'close date'."""
    return CHANGE_FIELDS.get(field, "")

def error_message(error) -> str:
    """What an error page tells the rep: the error's own words for them, else a plain
    sentence for the common codes, else the HTTP description."""
    return getattr(error, "rep_message", None) or ERROR_MESSAGES.get(
        error.code, error.description)


def health_label(health: str | None) -> str:
    """A customer's health as the rep set it (customer success), or "Not said"."""
    return HEALTH_LABELS.get(health or "", "Not said")


FILTERS = {
    "health_label": health_label,
    "money": money,
    "short_date": short_date,
    "day_date": day_date,
    "full_date": full_date,
    "local_datetime": local_datetime,
    "change_value": change_value,
    "tel_href": tel_href,
    "mailto_href": mailto_href,
    "plan_date": plan_date,
    "pct": pct,
    "ratio": ratio,
    "thousands": thousands,
    "encoding_label": encoding_label,
    "stage_label": stage_label,
    "funnel_label": funnel_label,
    "import_progress": import_progress,
    "import_status": import_status,
    "change_field": change_field,
    "delimiter_label": delimiter_label,
    "error_message": error_message,
}


def init_app(app) -> None:
    """Make the filters available to every template (the app's one set of Jinja filters),
    with the few label lists a template walks through."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["ACCOUNT_SORTS"] = ACCOUNT_SORTS
