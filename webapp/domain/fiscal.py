"""Fiscal quarters for a fiscal year that starts in any month: one definition for the whole
app (territory plans, forecasts, quotas). No Flask, no database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

@dataclass(frozen=True)
class Quarter:
    start: date
    end: date
    number: int  # 1..4 within the fiscal year
    fiscal_year: int  # named after the calendar year in which the fiscal year ends

    @property
    def label(self) -> str:
        return f"FY{self.fiscal_year} Q{self.number}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> date:
    next_year, next_month = _add_months(year, month, 1)
    return date(next_year, next_month, 1) - timedelta(days=1)


def quarter_for(day: date, fiscal_start_month: int = 1) -> Quarter:
    """The fiscal quarter containing `day` when the fiscal year starts in `fiscal_start_month`."""
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError("fiscal_start_month must be 1..12")
    months_into_year = (day.month - fiscal_start_month) % 12
    number = months_into_year // 3 + 1
    start_year, start_month = _add_months(day.year, day.month, -(months_into_year % 3))
    end_year, end_month = _add_months(start_year, start_month, 2)
    fy_start_year, fy_start_month = _add_months(day.year, day.month, -months_into_year)
    fy_end_year, _ = _add_months(fy_start_year, fy_start_month, 11)
    return Quarter(date(start_year, start_month, 1), _month_end(end_year, end_month), number,
                   fy_end_year)


def next_quarter(quarter: Quarter, fiscal_start_month: int = 1) -> Quarter:
    return quarter_for(quarter.end + timedelta(days=1), fiscal_start_month)


def is_first_month_of_quarter(day: date, fiscal_start_month: int = 1) -> bool:
    return quarter_for(day, fiscal_start_month).start.month == day.month
