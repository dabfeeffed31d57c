"""The query parameters of the dashboard's long lists: which month, which column sorts,
in which order, which page; each refused with a 400 that names it and says why.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from billing import BillingError, Period

PAGE_SIZE = 50
MAX_QUERY = 200
Order = Literal["asc", "desc"]
_WHOLE = re.compile(r"[0-9]{1,9}")
T = TypeVar("T")


class BadListing(ValueError):
    """A query parameter of a list that cannot be used; the message names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def period_of(params: QueryParams, today: datetime.date) -> Period:
    """`period=YYYY-MM`, this month when absent."""
    text = params.get("period")
    if text is None or text == "":
        return Period.of(today)
    try:
        return Period.parse(text)
    except BillingError:
        raise BadListing("period", f"must be a month such as 2026-10, not {text!r}") from None


def choice(params: QueryParams, name: str, allowed: Sequence[T], default: T) -> T:
    """One of `allowed` (compared as text), `default` when absent."""
    text = params.get(name)
    if text is None or text == "":
        return default
    for value in allowed:
        if text == str(value):
            return value
    names = ", ".join(str(value) for value in allowed)
    raise BadListing(name, f"must be one of {names}, not {text!r}")


def order_of(params: QueryParams, default: Order) -> Order:
    orders: tuple[Order, ...] = ("asc", "desc")
    return choice(params, "order", orders, default)


def search_of(params: QueryParams) -> str:
    text = params.get("q", "").strip()
    if len(text) > MAX_QUERY:
        raise BadListing("q", f"must be at most {MAX_QUERY} characters")
    return text


@dataclass(frozen=True)
class Page:
    """Page `number` (from 1) of `total` rows, `size` a page."""

    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        """How many pages: at least one, an empty one when there are no rows."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def end(self) -> int:
        return min(self.start + self.size, self.total)

    def rows(self, found: Sequence[T]) -> Sequence[T]:
        return found[self.start : self.end]


def page_of(params: QueryParams, total: int, size: int = PAGE_SIZE) -> Page:
    """`page=N` among the pages of `total` rows, the first when absent."""
    text = params.get("page")
    if text is None or text == "":
        return Page(1, total, size)
    if not _WHOLE.fullmatch(text) or int(text) < 1:
        raise BadListing("page", f"must be a whole number from 1, not {text!r}")
    page = Page(int(text), total, size)
    if page.number > page.count:
        raise BadListing("page", f"there are {page.count} pages, not {page.number}")
    return page


def link(path: str, **params: str | int | None) -> str:
    """`path` with the parameters that have a value, for the pages' links."""
    given = {name: str(value) for name, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(given)}" if given else path
