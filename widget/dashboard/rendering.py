"""HTML responses from the Jinja2 templates, with the headers every dashboard page carries.

No page runs a script: the policy allows none, and styles only from the dashboard's
own stylesheet. Images may come from any HTTPS origin: the catalogue's product images are
on the shop's own servers or CDN. Pages are never cached, since they show one user's data.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from billing.currency import format_money

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' https:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer Chrome sends `Origin: null` on POSTs
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def percent(value: float, digits: int = 2) -> str:
    return f"{value * 100:.{digits}f}%"


def number(value: float | int | Decimal, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    env.filters["number"] = number
    env.filters["money"] = format_money
    return env


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
