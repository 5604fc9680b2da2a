"""How values read on a phone: short dates in the user's time zone, money, tap-to links.

Registered as Jinja filters (see `register_filters`); plain functions, testable alone.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from webapp.clock import local_today, to_local

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$"}


def money(amount: Decimal | int | None, currency: str = "USD") -> str:
    """'$120,000' (whole units: a deal's size, not an invoice)."""
    if amount is None:
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency)
    whole = f"{Decimal(amount):,.0f}"
    return f"{symbol}{whole}" if symbol else f"{currency} {whole}"


def short_date(value: date | datetime | None, tz: str = "UTC") -> str:
    """'Nov 20' this year, 'Nov 2025' before; datetimes (naive UTC) shown in `tz` first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, tz).date()
    if value.year == local_today(tz).year:
        return f"{value:%b} {value.day}"
    return f"{value:%b %Y}"


def touch_labels(values: list[datetime | None], tz: str) -> list[str]:
    """short_date() of many naive UTC datetimes at once, for a list: one time zone lookup and
    one conversion per distinct quarter hour (every zone's midnight falls on one) instead of
    one per row."""
    zone = ZoneInfo(tz)
    this_year = local_today(tz).year
    labels: dict[datetime, str] = {}
    out = []
    for value in values:
        if value is None:
            out.append("")
            continue
        hour = value.replace(minute=value.minute - value.minute % 15, second=0, microsecond=0)
        label = labels.get(hour)
        if label is None:
            day = hour.replace(tzinfo=UTC).astimezone(zone)
            label = f"{day:%b} {day.day}" if day.year == this_year else f"{day:%b %Y}"
            labels[hour] = label
        out.append(label)
    return out


def territory_rows_html(rows, detail_prefix: str, tz: str, show_owner: bool) -> Markup:
    """The territory list's rows as HTML, built in one loop: a page of 300 rows through Jinja
    costs more than the rest of the request. Every value is escaped; the markup is what
    territory.js reads (name in <b>, text in <small>, <time datetime>, potential in <i>)."""
    labels = touch_labels([r.last_touch_at for r in rows], tz)
    out = []
    for r, label in zip(rows, labels):
        small = f"{escape(r.city)} · {escape(r.industry)}"
        if show_owner and r.owner_name:
            small += f" · {escape(r.owner_name)}"
        touch = (f'<time datetime="{r.last_touch_at:%Y-%m-%dT%H:%MZ}">{label}</time>'
                 if r.last_touch_at else "<span>never</span>")
        out.append(f'<li><a href="{detail_prefix}{int(r.id)}"><b>{escape(r.name)}</b>'
                   f"<small>{small}</small>{touch}<i>{int(r.potential)}</i></a></li>")
    return Markup("".join(out))


def day_date(value: date | None) -> str:
    """'Mon Nov 23' for due dates: the weekday matters more than the year."""
    if value is None:
        return ""
    return f"{value:%a %b} {value.day}"


def local_datetime(value: datetime | None, tz: str) -> str:
    """'Fri Nov 20, 2:00 PM' in the user's time zone (the year only when it is not this one)."""
    if value is None:
        return ""
    local = to_local(value, tz)
    hour = local.hour % 12 or 12
    year = f" {local.year}" if local.year != local_today(tz).year else ""
    return f"{local:%a %b} {local.day}{year}, {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"


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


FILTERS = {
    "money": money,
    "short_date": short_date,
    "day_date": day_date,
    "local_datetime": local_datetime,
    "tel_href": tel_href,
    "mailto_href": mailto_href,
}


def register_filters(state) -> None:
    """Blueprint `record_once` hook: make the filters available to every template."""
    state.app.jinja_env.filters.update(FILTERS)
