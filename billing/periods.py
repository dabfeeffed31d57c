"""Billing periods: calendar months in the contract's time zone, named `YYYY-MM`."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from billing.errors import InvalidPeriod

_PERIOD = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.fullmatch(text)
        if match is None or not 1 <= int(match[2]) <= 12 or not 1970 <= int(match[1]) <= 9998:
            raise InvalidPeriod(text)
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: datetime.date) -> Period:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period.of(self.first_day - datetime.timedelta(days=1))

    def ends_at(self, time_zone: str) -> datetime.datetime:
        """The instant the period closes: midnight starting the next month, in `time_zone`."""
        first = self.next().first_day
        return datetime.datetime(first.year, first.month, 1, tzinfo=ZoneInfo(time_zone))

    def is_over(self, time_zone: str, now: datetime.datetime) -> bool:
        return now >= self.ends_at(time_zone)


def billing_day(at: datetime.datetime, time_zone: str) -> datetime.date:
    """The calendar day of an aware instant in the contract's time zone."""
    if at.tzinfo is None:
        raise ValueError("billing_day needs an aware datetime")
    return at.astimezone(ZoneInfo(time_zone)).date()
