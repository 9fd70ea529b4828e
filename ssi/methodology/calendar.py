"""The monthly calendar (METHODOLOGY.md §7): reference dates and implementation dates."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass

from ssi.methodology.definition import Calendar


@dataclass(frozen=True)
class RebalanceDate:
    reference: dt.date  # the 30-day averages end here; weights use this day's close
    effective: dt.date  # the new basket takes effect at 00:00 UTC (prices: close of the day before)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _cal.monthrange(year, month)[1])


def reference_date(year: int, month: int, cal: Calendar) -> dt.date:
    """A fixed number of calendar days before the last day of the month."""
    return month_end(year, month) - dt.timedelta(days=cal.reference_days_before_month_end)


def implementation_date(year: int, month: int, cal: Calendar) -> dt.date:
    """The implementation day of the month *after* (year, month)."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(y, m, cal.implementation_day)


def rebalance_for_month(year: int, month: int, cal: Calendar) -> RebalanceDate:
    return RebalanceDate(reference_date(year, month, cal), implementation_date(year, month, cal))


def schedule(start: dt.date, end: dt.date, cal: Calendar) -> list[RebalanceDate]:
    """Every rebalance with effective date in [start, end], plus the one in force at ``start``
    (the latest whose effective date is on or before ``start``), in date order."""
    y, m = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
    # step back until the rebalance's effective date is on or before start
    while rebalance_for_month(y, m, cal).effective > start:
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    out = []
    while True:
        r = rebalance_for_month(y, m, cal)
        if r.effective > end:
            break
        out.append(r)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def next_effective_after(reference: dt.date, cal: Calendar) -> dt.date:
    """For an arbitrary reference date (``ssi weights --date``): the next implementation date."""
    eff = implementation_date(reference.year, reference.month, cal)
    this_month = dt.date(reference.year, reference.month, cal.implementation_day)
    return this_month if this_month > reference else eff
