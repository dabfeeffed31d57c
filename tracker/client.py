"""What the server learns about the sender of events, without keeping its IP address.

The address is kept only truncated (IPv4 /24, IPv6 /48) in events, and as a keyed hash
for rate limiting; the bot flag comes from the user agent.
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


@lru_cache(maxsize=8192)
def describe_client(address: str | None, user_agent: str, secret: bytes) -> Client:
    """Cached: a visitor sends many batches from one address and browser."""
    keyed = hmac.new(secret, (address or "").encode(), hashlib.sha256).hexdigest()[:20]
    return Client(keyed, truncate_address(address), user_agent[:512], is_bot(user_agent))
