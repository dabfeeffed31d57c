from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import click
import pytest
import redis
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from billing import keys
from billing.consumer import BILLING_GROUP
from tests.billing.traffic import EXPECTED, shop_traffic, today
from tracker import keys as tracker_keys
from widget.cli.billing import billing
from widget.orders import keys as orders_keys

PAGE_VIEWS = EXPECTED["treatment"][5]


def _commands(group: click.Group) -> Iterator[tuple[str, ...]]:
    yield ()
    for name in group.commands:
        yield (name,)


@pytest.mark.parametrize("path", list(_commands(billing)), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    assert CliRunner().invoke(billing, [*path, "--help"]).exit_code == 0
    command = billing.commands[path[0]] if path else billing
    assert command.help, f"billing {' '.join(path)} has no help text"


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(billing, list(args), env={"BASKETLIFT_REDIS_URL": url})


def recompute(url: str) -> tuple[int, dict[str, Any]]:
    result = invoke(url, "recompute", "--shop", "test-shop", "--period", str(today()))
    return result.exit_code, json.loads(result.stdout)


def drained(url: str) -> None:
    """Wait for a server's own consumer, if it runs one, to finish what it took."""
    streams = [tracker_keys.event_stream("test-shop"), orders_keys.order_log("test-shop")]
    with redis.Redis.from_url(url) as sync:
        for _ in range(100):
            if all(sync.xpending(stream, BILLING_GROUP)["pending"] == 0 for stream in streams):
                return
            time.sleep(0.1)
    raise AssertionError("entries still pending in the billing group")


def test_the_recompute_matches_the_consumer_and_finds_tampering(
    client: TestClient, shop: dict[str, Any], clean_store: str
) -> None:
    shop_traffic(client, shop)
    consumed = invoke(clean_store, "consume", "--once")
    assert consumed.exit_code == 0 and "entries applied" in consumed.stdout
    drained(clean_store)
    code, report = recompute(clean_store)
    assert (code, report["matches"], report["days"], report["differences"]) == (0, True, 1, [])
    assert [counts for counts in report["client_orders"].values()] == [
        {"ledger": 2, "recomputed": 2}
    ]
    with redis.Redis.from_url(clean_store, decode_responses=True) as sync:
        days = keys.days("test-shop", str(today()))
        [field] = [name for name in sync.hkeys(days) if name.endswith("|treatment|page_views")]
        sync.hincrby(days, field, 1)
    code, report = recompute(clean_store)
    assert code == 1 and not report["matches"]
    assert [
        (d["arm"], d["field"], d["ledger"], d["recomputed"]) for d in report["differences"]
    ] == [("treatment", "page_views", PAGE_VIEWS + 1, PAGE_VIEWS)]


def test_a_bad_period_is_refused(clean_store: str) -> None:
    result = invoke(clean_store, "recompute", "--shop", "s", "--period", "2026-13")
    assert result.exit_code == 2 and "YYYY-MM" in result.output
