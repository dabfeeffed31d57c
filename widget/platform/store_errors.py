"""Store failures, answered in one place: 503 with `Retry-After`, whichever route met them.

A store that does not answer (connection refused or lost, timeout, cluster down or a
slot not covered, the cluster client's own errors) or that refuses to write (maxmemory
with `noeviction`, a read-only replica, a failed disk) is a failure of the deployment,
not of the request: the client is told to come back. Any other error of the store
(a wrong type, a script error) is a bug, and stays a 500 that the server logs.
"""

from __future__ import annotations

import redis.exceptions
from starlette.requests import Request
from starlette.responses import Response

from widget.platform.responses import error_response

# A server's refusals for its own state: those redis-py parses into a class of their own
# (the code taken off the message), and the codes it leaves in the message.
_REFUSAL_ERRORS = (
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.ExecAbortError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ClusterError,
)
_REFUSAL_CODES = ("OOM", "READONLY", "MISCONF", "LOADING", "BUSY", "CLUSTERDOWN", "NOREPLICAS")
STORE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.RedisError,
    redis.exceptions.RedisClusterException,
)


def is_store_failure(error: BaseException) -> bool:
    """Whether `error` says the store is unavailable or refuses writes, rather than a bug."""
    if isinstance(error, _REFUSAL_ERRORS):
        return True
    if isinstance(error, redis.exceptions.ResponseError | redis.exceptions.DataError):
        return str(error).startswith(_REFUSAL_CODES)
    return isinstance(error, STORE_ERRORS)


async def store_failure(request: Request, error: Exception) -> Response:
    """The app's handler of `STORE_ERRORS`: a 503, or the error raised again when a bug."""
    if not is_store_failure(error):
        raise error
    return error_response(503, "store_unavailable", f"the store did not answer: {error}")
