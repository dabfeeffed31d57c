"""Sessions as flat arrays of item indices, and the item-id map that produces them.

A session is a run of item indices in click order. Many sessions are stored as one
`items` array cut by `offsets` (CSR-style), so models work on whole arrays at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

IntArray = npt.NDArray[np.int64]
ItemArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]

UNKNOWN = -1


@dataclass(frozen=True)
class ItemIds:
    """The catalogue seen in training: external item ids (sorted, unique) <-> indices 0..n-1."""

    ids: npt.NDArray[np.str_]

    @classmethod
    def learn(cls, tokens: npt.NDArray[np.str_]) -> tuple[ItemIds, ItemArray]:
        """Map tokens (n_events,) to indices; returns the map and the indices (n_events,)."""
        ids, inverse = np.unique(tokens, return_inverse=True)
        return cls(ids), inverse.astype(np.int32)

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, tokens: npt.NDArray[np.str_]) -> ItemArray:
        """Indices (n,) of tokens (n,); `UNKNOWN` (-1) for ids outside the catalogue."""
        if len(self.ids) == 0:
            return np.full(len(tokens), UNKNOWN, dtype=np.int32)
        pos = np.searchsorted(self.ids, tokens).clip(0, len(self.ids) - 1)
        return np.where(self.ids[pos] == tokens, pos, UNKNOWN).astype(np.int32)

    def external(self, indices: npt.ArrayLike) -> list[str]:
        return [str(x) for x in self.ids[np.asarray(indices, dtype=np.int64)]]

    def known(self, tokens: Iterable[str]) -> list[int]:
        """Indices of the tokens in the catalogue, in order; unknown tokens are left out.
        A dict lookup per token: for the few ids of one request, where `index` would
        spend most of its time building arrays."""
        positions = self._positions
        return [positions[token] for token in tokens if token in positions]

    @cached_property
    def names(self) -> list[str]:
        """The external ids as Python strings: `names[i]` is item i's id."""
        names: list[str] = self.ids.tolist()
        return names

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}


@dataclass(frozen=True)
class Sessions:
    """Sessions as `items` (n_events,) int32 item indices cut by `offsets` (n_sessions + 1,).

    Session `s` is `items[offsets[s]:offsets[s + 1]]`, in click order. The order of the
    sessions is their order in time (oldest first) when the source knows it.
    """

    items: ItemArray
    offsets: IntArray

    @classmethod
    def from_lists(cls, sessions: Sequence[Sequence[int]]) -> Sessions:
        lengths = np.fromiter((len(s) for s in sessions), dtype=np.int64, count=len(sessions))
        items = np.fromiter((i for s in sessions for i in s), dtype=np.int32, count=lengths.sum())
        return cls.from_lengths(items, lengths)

    @classmethod
    def from_lengths(cls, items: npt.ArrayLike, lengths: npt.ArrayLike) -> Sessions:
        offsets = np.zeros(len(np.asarray(lengths)) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(np.asarray(items, dtype=np.int32), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, s: int) -> ItemArray:
        return self.items[self.offsets[s] : self.offsets[s + 1]]

    @property
    def lengths(self) -> IntArray:
        return np.diff(self.offsets)

    def session_ids(self) -> IntArray:
        """The session of every event (n_events,)."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)

    def positions(self) -> IntArray:
        """The 0-based position of every event within its session (n_events,)."""
        return np.arange(len(self.items), dtype=np.int64) - np.repeat(
            self.offsets[:-1], self.lengths
        )

    def select(self, which: npt.ArrayLike) -> Sessions:
        """The sessions at indices `which` (or a boolean mask), in that order."""
        rows = np.arange(len(self))[np.asarray(which)]
        lengths = self.lengths[rows]
        starts = np.repeat(self.offsets[rows], lengths)
        within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return Sessions.from_lengths(self.items[starts + within], lengths)

    def drop(self, mask: npt.NDArray[np.bool_]) -> Sessions:
        """The same sessions without the events where `mask` (n_events,) is true."""
        keep = ~mask
        kept_before = np.concatenate([[0], np.cumsum(keep)])
        lengths = kept_before[self.offsets[1:]] - kept_before[self.offsets[:-1]]
        return Sessions.from_lengths(self.items[keep], lengths)

    def to_csr(self, n_items: int, weights: FloatArray | None = None) -> sp.csr_matrix:
        """csr_matrix (n_sessions, n_items): the sum of `weights` (1 per event by default).

        Events of unknown items (negative indices) are left out.
        """
        data = np.ones(len(self.items), np.float32) if weights is None else weights
        known = self.items >= 0
        matrix = sp.csr_matrix(
            (data[known], (self.session_ids()[known], self.items[known])),
            shape=(len(self), n_items),
        )
        matrix.sum_duplicates()
        return matrix


@dataclass(frozen=True)
class NextItemCases:
    """Evaluation cases: predict `targets[c]` (n_cases,) from the prefix `prefixes[c]`."""

    prefixes: Sessions
    targets: ItemArray

    def __len__(self) -> int:
        return len(self.targets)

    @classmethod
    def from_sessions(cls, sessions: Sessions) -> NextItemCases:
        """Every proper prefix of every session with the item that followed it.

        A session of length L gives L - 1 cases (the session-rec protocol).
        """
        lengths = sessions.lengths
        n_cases = np.maximum(lengths - 1, 0)
        session_of_case = np.repeat(np.arange(len(sessions)), n_cases)
        prefix_len = np.arange(n_cases.sum()) - np.repeat(np.cumsum(n_cases) - n_cases, n_cases) + 1
        starts = sessions.offsets[session_of_case]
        targets = sessions.items[starts + prefix_len]
        event_starts = np.repeat(starts, prefix_len)
        within = np.arange(prefix_len.sum()) - np.repeat(
            np.cumsum(prefix_len) - prefix_len, prefix_len
        )
        prefixes = Sessions.from_lengths(sessions.items[event_starts + within], prefix_len)
        return cls(prefixes, targets.astype(np.int32))
