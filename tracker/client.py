"""What the server learns about the sender of events, without keeping its IP address.

The address is kept only truncated (IPv4 /24, IPv6 /48) in events, and as a keyed hash
for rate limiting (of the IPv4 address, or the IPv6 /64); the bot flag comes from the
user agent. `network_of` groups addresses as limits on new visitors count them (IPv4
/24, IPv6 /64); `is_automated` adds header rules for the requests that make a visitor
count (a real browser's fetch always carries Accept-Language, and Chromium 76+ and
Firefox 90+ add Sec-Fetch-Mode).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

_BOT_PATTERN = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrape|fetch|headless|phantomjs|selenium|puppeteer|"
    r"playwright|lighthouse|pingdom|uptime|monitor|python-requests|python-httpx|aiohttp|"
    r"curl/|wget/|go-http-client|java/|okhttp|libwww|httpclient|facebookexternalhit|"
    r"preview|archiver",
    re.IGNORECASE,
)


# The engines that send Sec-Fetch-* on every fetch, from these major versions (Edge, Opera,
# Samsung Internet and other Chromium browsers carry "Chrome/"; Safari sends it only from
# 16.4 and is not judged by it).
_SEC_FETCH_SINCE = re.compile(r"(?:Chrome|Firefox)/(\d+)")
_SEC_FETCH_VERSIONS = {"Chrome": 76, "Firefox": 90}


@dataclass(frozen=True)
class Client:
    """The sender of a request: a keyed hash of its address, the truncated address, its agent."""

    address_hash: str
    truncated_address: str | None
    user_agent: str
    bot: bool


def is_bot(user_agent: str) -> bool:
    """True for crawlers, monitors, headless browsers, scripts and an empty user agent."""
    return not user_agent or _BOT_PATTERN.search(user_agent) is not None


def is_automated(user_agent: str, accept_language: str | None, sec_fetch_mode: str | None) -> bool:
    """A bot by its user agent, or a request no real browser's fetch would make: without
    Accept-Language, or without Sec-Fetch-Mode from a browser version that always sends it."""
    if is_bot(user_agent) or not accept_language:
        return True
    if sec_fetch_mode:
        return False
    found = _SEC_FETCH_SINCE.search(user_agent)
    if found is None:
        return False
    engine = found.group(0).split("/")[0]
    return int(found.group(1)) >= _SEC_FETCH_VERSIONS[engine]


def network_of(address: str | None) -> str:
    """The client's network for limits: `203.0.113.0/24`, `2001:db8:1:2::/64`; an address
    that does not parse (a test client, a Unix socket) is its own network."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return f"other:{address or ''}"
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    prefix = 24 if parsed.version == 4 else 64
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def truncate_address(address: str | None) -> str | None:
    """`203.0.113.57` -> `203.0.113.0`; IPv6 keeps its /48; None for anything unparsable."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)


def _rate_group(address: str | None) -> str:
    """Who shares a client's rate limit: an IPv4 address (NAT puts many visitors behind
    one), an IPv6 /64 (one subscriber gets a /64 or more, so each address is cheap)."""
    network = network_of(address)
    return network if ":" in network else (address or "")


@lru_cache(maxsize=8192)
def describe_client(address: str | None, user_agent: str, secret: bytes) -> Client:
    """Cached: a visitor sends many batches from one address and browser."""
    keyed = hmac.new(secret, _rate_group(address).encode(), hashlib.sha256).hexdigest()[:20]
    return Client(keyed, truncate_address(address), user_agent[:512], is_bot(user_agent))
