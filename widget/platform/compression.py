"""Answers of 1,000 bytes or more are gzipped for clients that accept it, on every route.

The recommendations JSON of a page with four placements is 7 to 9 KB: gzipped, under
1.5 KB, which is most of what a widget waits for on a slow mobile link. Starlette's
`GZipMiddleware` leaves alone answers that already carry a `Content-Encoding` (the
snippet's files, gzipped once when they are read, keep their ETag), and event streams;
streamed answers are compressed chunk by chunk; every answer it could compress carries
`Vary: Accept-Encoding`, compressed or not, beside the `Vary: Origin` of CORS answers.

Level 1 (`python -m bench.compression`, in process): a 7.4 KB answer of four placements
becomes 1,376 bytes for 54 us of CPU, where level 6 makes 1,266 bytes for 66 us and
Starlette's default 9 makes 1,261 for 86 us; a hundred bytes are nothing on any link, a
request costs 450 to 550 us in all. An answer not compressed pays about 9 us.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

MINIMUM_BYTES = 1000
LEVEL = 1

middleware = Middleware(GZipMiddleware, minimum_size=MINIMUM_BYTES, compresslevel=LEVEL)


def compressed(app: ASGIApp) -> ASGIApp:
    """`app` with its answers compressed as the middleware stack compresses them."""
    return GZipMiddleware(app, minimum_size=MINIMUM_BYTES, compresslevel=LEVEL)
