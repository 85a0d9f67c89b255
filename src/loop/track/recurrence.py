"""The next occurrence of a recurring todo, computed in the calendar of the offset its due date was given in."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone
from typing import Any


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _sunday_week(moment: datetime) -> int:
    """Weeks counted from a Sunday (weekday 0 is Sunday, as the API numbers them)."""
    return moment.toordinal() // 7  # toordinal() is a multiple of 7 exactly on Sundays


def _weekday(moment: datetime) -> int:
    return (moment.weekday() + 1) % 7  # Python: Monday 0 … Sunday 6; API: Sunday 0 … Saturday 6


def next_due(due: datetime, offset_minutes: int, rule: dict[str, Any]) -> datetime:
    """The due date after ``due`` for ``rule`` = {freq, interval, weekdays?}, returned in UTC."""
    local = due.astimezone(timezone(timedelta(minutes=offset_minutes)))
    freq = rule["freq"]
    interval = int(rule.get("interval") or 1)
    if freq == "DAILY":
        result = local + timedelta(days=interval)
    elif freq == "WEEKLY":
        weekdays = sorted(set(rule.get("weekdays") or []))
        if not weekdays:
            result = local + timedelta(weeks=interval)
        else:
            start_week = _sunday_week(local)
            candidate = local
            while True:  # at most 7 × interval + 7 steps
                candidate += timedelta(days=1)
                weeks_apart = _sunday_week(candidate) - start_week
                if weeks_apart % interval == 0 and _weekday(candidate) in weekdays:
                    result = candidate
                    break
    elif freq == "MONTHLY":
        result = _add_months(local, interval)
    elif freq == "YEARLY":
        result = _add_months(local, 12 * interval)
    else:
        raise ValueError(f"unknown recurrence {freq!r}")
    return result.astimezone(UTC)
