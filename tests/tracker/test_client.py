from __future__ import annotations

import pytest

from tracker.client import describe_client, is_bot, truncate_address

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def test_addresses_are_truncated() -> None:
    assert truncate_address("203.0.113.57") == "203.0.113.0"
    assert truncate_address("2001:db8:85a3:8d3:1319:8a2e:370:7348") == "2001:db8:85a3::"
    assert truncate_address("not-an-ip") is None


@pytest.mark.parametrize(
    "agent",
    [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "python-requests/2.32.0",
        "",
    ],
)
def test_bots_are_flagged(agent: str) -> None:
    assert is_bot(agent)


def test_browsers_are_not_bots() -> None:
    assert not is_bot(CHROME)


def test_client_keeps_no_raw_address() -> None:
    client = describe_client("203.0.113.57", CHROME, b"secret")
    assert "203.0.113.57" not in repr(client)
    assert client.address_hash == describe_client("203.0.113.57", "", b"secret").address_hash
    assert client.address_hash != describe_client("203.0.113.57", "", b"other").address_hash
