"""Fetching a catalogue feed from its URL: https, public addresses, bounded in size and time.

The feed's host is resolved once, every address checked, and the connection made to the
address checked (TLS and the Host header still name the host), so a DNS answer changing
between the check and the connection (rebinding) reaches nothing private. Redirects are
followed, each checked alike. Hosts in `trusted_hosts`
(`BASKETLIFT_CATALOG_FEED_TRUSTED_HOSTS`) may have private or loopback addresses and may
be fetched over plain http: a feed on the shop's own network, or a test's local server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx2

from widget.catalog.errors import FeedUnreachable, UploadTooLarge
from widget.catalog.parsers import MAX_UPLOAD_BYTES

MAX_REDIRECTS = 3
MAX_URL_LENGTH = 2048
_REDIRECTS = (301, 302, 303, 307, 308)


def check_feed_url(url: str, trusted_hosts: tuple[str, ...] = ()) -> str:
    """`url` when it can name a feed (https, or http on a trusted host), else why not."""
    parts = urlsplit(url)
    if len(url) > MAX_URL_LENGTH or not parts.hostname or parts.username or parts.password:
        raise FeedUnreachable(
            f"a feed URL is https://host/path, at most {MAX_URL_LENGTH} characters", "url"
        )
    allowed = ("https", "http") if parts.hostname in trusted_hosts else ("https",)
    if parts.scheme not in allowed:
        raise FeedUnreachable(f"a feed URL must start with https://, not {url!r}", "url")
    return url


@dataclass(frozen=True)
class FeedFetcher:
    """Opens feeds: `timeout_s` for the whole transfer, at most `max_bytes` decoded."""

    trusted_hosts: tuple[str, ...] = ()
    timeout_s: float = 300.0
    max_bytes: int = MAX_UPLOAD_BYTES

    @asynccontextmanager
    async def open(self, url: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """The chunks of the feed's body; the connection closes when the block ends."""
        deadline = time.monotonic() + self.timeout_s
        timeout = httpx2.Timeout(min(self.timeout_s, 30.0))
        async with httpx2.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                request = await self._request(client, check_feed_url(url, self.trusted_hosts))
                try:
                    response = await client.send(request, stream=True)
                except httpx2.HTTPError as error:
                    raise FeedUnreachable(f"could not fetch {url}: {error!r}", "url") from None
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise FeedUnreachable(
                            f"{url} answered HTTP {response.status_code}, not 200", "url"
                        )
                    yield self._body(response, url, deadline)
                    return
                finally:
                    await response.aclose()
        raise FeedUnreachable(f"{url} redirects more than {MAX_REDIRECTS} times", "url")

    async def _request(self, client: httpx2.AsyncClient, url: str) -> httpx2.Request:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = await _checked_address(host, port, host in self.trusted_hosts)
        target = httpx2.URL(url).copy_with(host=address)
        headers = {"Host": parts.netloc, "Accept-Encoding": "gzip", "User-Agent": "Basketlift"}
        return client.build_request(
            "GET", target, headers=headers, extensions={"sni_hostname": host}
        )

    async def _body(
        self, response: httpx2.Response, url: str, deadline: float
    ) -> AsyncIterator[bytes]:
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise UploadTooLarge(f"the feed has more than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FeedUnreachable(
                        f"{url} took more than {self.timeout_s:g} s to send", "url"
                    )
                yield chunk
        except httpx2.HTTPError as error:
            raise FeedUnreachable(f"{url} broke off: {error!r}", "url") from None


async def _checked_address(host: str, port: int, trusted: bool) -> str:
    """An address of `host` to connect to, once every address it has is public."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:  # UnicodeError: not a valid host name (IDNA)
        raise FeedUnreachable(f"the host {host!r} is not found: {error}", "url") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    private = [a for a in addresses if not a.is_global or a.is_multicast]
    if private and not trusted:
        raise FeedUnreachable(
            f"the host {host!r} has the non-public address {private[0]}: feeds are fetched "
            "from public addresses only (BASKETLIFT_CATALOG_FEED_TRUSTED_HOSTS allows others)",
            "url",
        )
    return str(addresses[0])
