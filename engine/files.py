"""Reading session files: one session per line, item ids separated by spaces, click order.

Files may be plain text or gzip (detected from the content, not the name). A TEST file
has the same layout; the last id of each line is the item to predict from the ids before
it (the SR-GNN protocol). Click logs in the session-rec layout (`SessionId<TAB>ItemId
<TAB>Time` with a header) are read too.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from engine.errors import EmptyData
from engine.sessions import UNKNOWN, ItemIds, NextItemCases, Sessions

_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class RawSessions:
    """External ids as read: `tokens` (n_events,) cut into sessions of `lengths` (n_sessions,)."""

    tokens: npt.NDArray[np.str_]
    lengths: npt.NDArray[np.int64]


def read_text(path: Path) -> str:
    """The file's text, gunzipped when it starts with the gzip magic bytes."""
    raw = Path(path).read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def read_session_lines(path: Path) -> RawSessions:
    """Every non-empty line of a session file as a session of ids."""
    return read_session_lines_from_text(read_text(path))


def read_session_lines_from_text(text: str) -> RawSessions:
    """Every non-empty line of `text` as a session of ids."""
    lines = [line for line in text.splitlines() if line.strip()]
    lengths = np.fromiter((len(line.split()) for line in lines), np.int64, count=len(lines))
    tokens = np.array(" ".join(lines).split(), dtype=np.str_)
    return RawSessions(tokens, lengths)


def read_click_log(path: Path) -> RawSessions:
    """A session-rec click log (header, then `SessionId ItemId Time` tab-separated rows).

    Sessions come out ordered by their first click, events by time within a session.
    """
    rows = read_text(path).split("\n", 1)[1].split()
    table = np.array(rows, dtype=np.str_).reshape(-1, 3)
    _, session = np.unique(table[:, 0], return_inverse=True)
    time = table[:, 2].astype(np.float64)
    first_click = np.full(session.max(initial=-1) + 1, np.inf)
    np.minimum.at(first_click, session, time)
    order = np.lexsort((time, session, first_click[session]))
    session_order = np.argsort(first_click, kind="stable")
    lengths = np.bincount(session, minlength=len(first_click))[session_order]
    return RawSessions(table[order, 1], lengths.astype(np.int64))


def load_training(raw: RawSessions) -> tuple[ItemIds, Sessions]:
    """The catalogue learned from training sessions, and the sessions as item indices."""
    if len(raw.tokens) == 0:
        raise EmptyData("the training file has no sessions")
    item_ids, items = ItemIds.learn(raw.tokens)
    return item_ids, Sessions.from_lengths(items, raw.lengths)


def encode(raw: RawSessions, item_ids: ItemIds) -> Sessions:
    """Sessions as indices of a known catalogue; ids outside it become `UNKNOWN`."""
    return Sessions.from_lengths(item_ids.index(raw.tokens), raw.lengths)


def load_test_cases(raw: RawSessions, item_ids: ItemIds) -> NextItemCases:
    """TEST lines as cases: the last id is the target, the ids before it the prefix.

    Prefix items unknown to training are dropped (no model can use them); an unknown
    target stays `UNKNOWN` and counts as a miss. Lines of a single id are skipped.
    """
    sessions = encode(raw, item_ids).select(raw.lengths >= 2)
    last = sessions.offsets[1:] - 1
    is_target = np.zeros(len(sessions.items), dtype=bool)
    is_target[last] = True
    targets = sessions.items[last]
    prefixes = sessions.drop(is_target | (sessions.items == UNKNOWN))
    return NextItemCases(prefixes, targets)
