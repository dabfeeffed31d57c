from __future__ import annotations

import pytest

from tracker.batch import parse_batch
from tracker.errors import BatchError, MalformedBatch


def refused(body: bytes) -> BatchError:
    with pytest.raises(BatchError) as caught:
        parse_batch(body)
    return caught.value


def test_parses_site_key_sent_at_and_events() -> None:
    batch = parse_batch(b'{"site_key": "pk_a_1", "sent_at": "2026-11-23T10:00:00Z", "events": []}')
    assert (batch.site_key, batch.sent_at, batch.events) == (
        "pk_a_1",
        "2026-11-23T10:00:00.000Z",
        [],
    )


def test_not_json_says_why() -> None:
    error = refused(b"{site_key:")
    assert isinstance(error, MalformedBatch) and "not valid JSON" in error.reason


def test_not_an_object() -> None:
    assert refused(b"[1, 2]").reason == "the body must be a JSON object"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"events": []}', "site_key"),
        (b'{"site_key": "pk", "events": {}}', "events"),
        (b'{"site_key": "pk", "events": [], "sent_at": "soon"}', "sent_at"),
    ],
)
def test_bad_fields_are_named(body: bytes, field: str) -> None:
    assert refused(body).field == field
