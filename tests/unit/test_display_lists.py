"""The territory list's rows, built without Jinja: dates read exactly as `short_date` writes
them in every zone (also across daylight-saving changes and half-hour zones), and every value
a user typed is escaped."""
from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timedelta

import pytest

from webapp.display import short_date, territory_rows_html, touch_labels

Row = namedtuple("Row", "id name city industry last_touch_at potential owner_name")


@pytest.mark.parametrize("tz", ["America/Chicago", "UTC", "Asia/Kolkata", "Asia/Kathmandu",
                                "Australia/Lord_Howe", "Pacific/Chatham"])
def test_list_dates_read_as_short_date_in_every_zone(tz):
    start = datetime(2025, 3, 1)
    # Every 7 minutes 13 seconds for 80 days around the spring change, and around the autumn
    # one and the new year: crosses every local midnight and both DST changes.
    values = [start + timedelta(seconds=433 * i) for i in range(16_000)]
    values += [datetime(2025, 10, 20) + timedelta(seconds=433 * i) for i in range(16_000)]
    values += [datetime(2025, 12, 31, 5), datetime(2026, 1, 1, 13, 44, 59), None]
    assert touch_labels(values, tz) == [short_date(v, tz) for v in values]


def test_rows_escape_what_users_typed_and_show_the_owner_only_when_asked():
    rows = [Row(7, 'Bob\'s <b>"Diner"</b> & Co', "St. <Louis>", "Food & Drink",
                datetime(2025, 11, 20, 14, 0), 42, "Ann <Admin>"),
            Row(8, "Quiet", "Omaha", "Retail", None, 0, None)]
    html = str(territory_rows_html(rows, "/accounts/", "UTC", show_owner=True))
    assert html == (
        '<li><a href="/accounts/7"><b>Bob&#39;s &lt;b&gt;&#34;Diner&#34;&lt;/b&gt; &amp; Co</b>'
        "<small>St. &lt;Louis&gt; · Food &amp; Drink · Ann &lt;Admin&gt;</small>"
        f'<time datetime="2025-11-20T14:00Z">{short_date(rows[0].last_touch_at, "UTC")}</time>'
        "<i>42</i></a></li>"
        '<li><a href="/accounts/8"><b>Quiet</b><small>Omaha · Retail</small>'
        "<span>never</span><i>0</i></a></li>")
    assert "Ann" not in str(territory_rows_html(rows, "/accounts/", "UTC", show_owner=False))
