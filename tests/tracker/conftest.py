"""Archives for the tracker's tests: a local folder, and a bucket of a real S3-compatible
server, so that both paths of `Archive.open` are tried by the same tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.object_store import CREDENTIALS, bucket_url, s3_server
from tracker.archive import Archive


@pytest.fixture(scope="session")
def s3_address() -> Iterator[str]:
    with s3_server() as address:
        yield address


@pytest.fixture(params=["folder", "s3"])
def archive(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Archive:
    if request.param == "folder":
        return Archive.open(tmp_path)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return Archive.open(bucket_url(request.getfixturevalue("s3_address")))
