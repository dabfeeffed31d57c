from __future__ import annotations

import pytest

from tracker.client import describe_client, is_automated, is_bot, network_of, truncate_address

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


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.1 Safari/605.1.15"
)
OLD_CHROME = (
    "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "language", "mode"),
    [
        (CHROME, "en-US,en;q=0.9", "cors"),
        (FIREFOX, "de", "cors"),
        (SAFARI, "fr-FR", None),
        (OLD_CHROME, "en", None),
    ],
)
def test_browsers_fetches_are_not_automated(agent: str, language: str, mode: str | None) -> None:
    assert not is_automated(agent, language, mode)


@pytest.mark.parametrize(
    ("agent", "language", "mode"),
    [
        (CHROME, None, "cors"),  # no Accept-Language: no browser's fetch
        (CHROME, "en", None),  # Chromium 76+ always sends Sec-Fetch-Mode
        (FIREFOX, "en", None),
        (CHROME.replace("Chrome/", "HeadlessChrome/"), "en", "cors"),
        ("python-httpx/0.28", "en", "cors"),
    ],
)
def test_requests_no_browser_makes_are_automated(
    agent: str, language: str | None, mode: str | None
) -> None:
    assert is_automated(agent, language, mode)


def test_networks_are_ipv4_slash_24_and_ipv6_slash_64() -> None:
    assert network_of("198.51.100.7") == network_of("198.51.100.250") == "198.51.100.0/24"
    assert network_of("198.51.101.7") != network_of("198.51.100.7")
    assert (
        network_of("2001:db8:1:2::1") == network_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("::ffff:198.51.100.9") == "198.51.100.0/24"
    assert network_of("testclient") == "other:testclient"


def test_rate_limits_group_ipv6_by_64_and_ipv4_by_address() -> None:
    def hashed(address: str) -> str:
        return describe_client(address, "", b"secret").address_hash

    assert hashed("2001:db8:1:2::1") == hashed("2001:db8:1:2:ffff::9")
    assert hashed("2001:db8:1:2::1") != hashed("2001:db8:1:3::1")
    assert hashed("203.0.113.57") != hashed("203.0.113.58")
