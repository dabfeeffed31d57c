"""The HTTP API conforms to its OpenAPI document, checked by schemathesis with every check.

For each documented operation, schemathesis sends valid and invalid cases (and its
coverage cases: missing parameters, unexpected methods...) in process to an app on the
suite's store, with a shop's keys and the admin token as credentials, and fails on any
check: a server error, an undocumented status, header or body, valid input refused,
invalid input accepted, a 405 whose `Allow` misses a method, authentication ignored.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import hypothesis
import orjson
import pytest
import schemathesis
from schemathesis import Case, CheckFunction
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.conftest import ADMIN_TOKEN, ORIGIN
from tracker.shops import IssuedShop, ShopRegistry
from widget.app import api_document, create_app
from widget.catalog.formats import MEDIA_TYPES
from widget.platform.settings import Settings
from widget.platform.store import connect

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 17,
        "generation": {
            "max-examples": 25,
            "deterministic": True,
            "database": "none",
            "mode": "all",
        },
    }
)


_SECRET_KEY_STAND_IN = "sk_stand-in"


class _Current:
    """The running test's app and shop, where schemathesis sends the cases and its checks'
    own requests: the schema is loaded once, each test makes an app on a clean store."""

    app: Any = None
    issued: IssuedShop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def bearer(self, operation: Any) -> str | None:
        """The secret key where an operation takes it, else the admin token where it
        takes one; None for public operations. Cases made before the test (schemathesis
        makes its coverage cases when it collects) get a stand-in for the secret key."""
        security = operation.definition.raw.get("security", ())
        schemes = {name for entry in security for name in entry}
        if "secretKey" in schemes:
            return self.issued.secret_key if self.issued else _SECRET_KEY_STAND_IN
        return ADMIN_TOKEN if schemes else None

    def sign(self, case: Case[Any]) -> None:
        """The shop's secret key for its stand-in, and its site key where the tracker or the
        widget is sent one as a non-empty string (an empty one is an invalid value to keep)."""
        assert self.issued is not None
        if case.headers.get("Authorization") == f"Bearer {_SECRET_KEY_STAND_IN}":
            case.headers["Authorization"] = f"Bearer {self.issued.secret_key}"
        if case.operation.path not in ("/v1/events", "/v1/recommendations"):
            return
        for container in (case.query, case.body):
            if isinstance(container, dict) and container.get("site_key"):
                if isinstance(container["site_key"], str):
                    container["site_key"] = self.issued.shop.site_key


CURRENT = _Current()
_ROW_TEXTS = ("text/csv", "application/x-ndjson")
# Platforms' exports and feeds, told apart by their content: no schema says what a
# Shopify export is, so any body is documented and most are refused (415). Each platform's
# files have tests of their own (tests/widget/catalog/test_connectors.py).
_DETECTED = tuple(
    media for media, found in MEDIA_TYPES.items() if found is None and media not in _ROW_TEXTS
)
# Fetching a URL needs the network: any valid one may not answer (tests/widget/catalog has
# the imports from a real local server).
_FETCHING = ("/v1/catalog-imports",)
schema = schemathesis.openapi.from_dict(api_document(), config=CONFIG)
schema.app = CURRENT
# A batch of events sent as text/plain (so that browsers skip the preflight) is JSON text.
schemathesis.serializer.alias("text/plain", "application/json")


@schema.auth(refresh_interval=None)
class Keys:
    """The credentials each operation asks for, as an explicit (valid) authentication."""

    def get(self, case: Case[Any], context: Any) -> str | None:
        return CURRENT.bearer(case.operation)

    def set(self, case: Case[Any], data: str | None, context: Any) -> None:
        if data is not None:
            case.headers["Authorization"] = f"Bearer {data}"


def in_the_past(case: Case[Any]) -> None:
    """The one rule of orders the document cannot state as a schema: a time of an order or
    a refund at most minutes ahead of the server's clock. A generated time later than now is
    moved to the year 2000 (a leap year, so any day stays valid), keeping its form."""
    if not isinstance(case.body, dict):
        return
    for field in ("placed_at", "refunded_at"):
        value = case.body.get(field)
        if not isinstance(value, str):
            continue
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            continue
        if moment.tzinfo is not None and moment > datetime.now(UTC):
            case.body[field] = f"2000{value[4:]}"


async def _create_shop(url: str) -> IssuedShop:
    store = await connect(url)
    try:
        return await ShopRegistry(store).create("Schema Shop", (ORIGIN,), "schema-shop")
    finally:
        await store.aclose()


@pytest.fixture
def current(settings: Settings) -> Iterator[_Current]:
    CURRENT.app = create_app(settings)
    CURRENT.issued = asyncio.run(_create_shop(settings.redis_url or ""))
    yield CURRENT
    CURRENT.app = CURRENT.issued = None


@schemathesis.serializer("text/csv")
def csv_records(context: Any, rows: Any) -> bytes:
    """The CSV of records given as objects (the upload's schema): a header of their fields,
    product_id first; anything else is sent as its JSON text, which is no CSV upload."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return orjson.dumps(rows)
    fields = dict.fromkeys(["product_id", *(name for row in rows for name in row)])
    text = io.StringIO()
    writer = csv.DictWriter(text, list(fields), restval="")
    writer.writeheader()
    writer.writerows({name: str(value) for name, value in row.items()} for row in rows)
    return text.getvalue().encode()


@schemathesis.serializer("application/x-ndjson")
def ndjson_text(context: Any, text: Any) -> bytes:
    """The lines as given (the upload's schema is a string); anything else as JSON text."""
    return text.encode() if isinstance(text, str) else orjson.dumps(text)


@schema.parametrize()
# One app and shop for all the cases of an operation: their writes may meet, as clients' do.
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_the_api_conforms_to_its_document(case: Case[Any], current: _Current) -> None:
    current.sign(case)
    in_the_past(case)
    # What makes a CSV or NDJSON upload malformed is not a JSON value: schemathesis's invalid
    # values become valid rows (a number is its digits, an object a line). Malformed uploads
    # have tests of their own (tests/widget/catalog).
    excluded: list[CheckFunction] = []
    if case.media_type in _ROW_TEXTS:
        excluded = [negative_data_rejection]
    elif case.media_type in _DETECTED:
        excluded = [negative_data_rejection, positive_data_acceptance]
    if case.operation.path in _FETCHING:
        excluded = [*excluded, positive_data_acceptance]
    case.call_and_validate(excluded_checks=excluded)
