"""An S3-compatible server for the archive's tests: moto's S3 server, a separate process
speaking the S3 HTTP API on 127.0.0.1 (MinIO does not install from the package index)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from tests.servers import free_port

# The server takes any key; these keep pyarrow's S3 client from looking for real ones.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "basketlift-tests",
    "AWS_SECRET_ACCESS_KEY": "basketlift-tests-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def s3_server() -> Iterator[str]:
    """Run the server; yields its `host:port`."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the S3 server exited during start"
            try:
                httpx2.get(f"http://{address}/", timeout=1)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "the S3 server did not start"
                time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


def bucket_url(address: str) -> str:
    """An archive URL in a new bucket of the server at `address`."""
    bucket = f"archive-{uuid.uuid4().hex[:12]}"
    return (
        f"s3://{bucket}/basketlift?endpoint_override={address}&scheme=http"
        "&region=us-east-1&allow_bucket_creation=true"
    )
