"""The archive of record: a shop's events and orders in Parquet files by shop and day.

Layout under the archive's root (a local folder, or a bucket of an S3-compatible store):
`{kind}/shop={shop}/day={YYYY-MM-DD}/{first id}_{last id}.parquet`, where kind is
`events` or `orders`, the day is the UTC day the entries were received and the ids are the
first and last stream ids in the file. A file is written under a temporary name and then
renamed (on an object store a PUT is atomic already), so a reader never sees half a file.

Exactly once: before a flush writes, the ids it holds that files of the same day already
hold are left out, so flushing again what a crash left unacknowledged adds nothing.
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from tracker.archive_rows import (
    ENTRIES_OF,
    SCHEMAS,
    TABLE_OF,
    Kind,
    RawEntry,
    entry_id,
    last_entry_id,
    split_id,
)

_SUFFIX = ".parquet"


class ArchiveError(Exception):
    """The archive's location cannot be used."""


def _day_of(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).date()


def _range_of(name: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if name.startswith(".") or not name.endswith(_SUFFIX):
        return None
    first, _, last = name[: -len(_SUFFIX)].partition("_")
    return split_id(first), split_id(last)


class Archive:
    """Parquet files of every shop under `root` of the Arrow file system `fs`."""

    def __init__(self, fs: pafs.FileSystem, root: str) -> None:
        self._fs = fs
        self._root = root.rstrip("/")
        self._atomic_rename = fs.type_name == "local"

    @classmethod
    def open(cls, location: str | Path) -> Archive:
        """A local folder, `file://` URL or `s3://bucket/prefix?endpoint_override=host:port`."""
        text = str(location)
        if "://" not in text:
            path = Path(text).resolve()
            path.mkdir(parents=True, exist_ok=True)
            return cls(pafs.LocalFileSystem(), str(path))
        try:
            fs, root = pafs.FileSystem.from_uri(text)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
            raise ArchiveError(f"cannot open the archive at {text!r}: {error}") from None
        return cls(fs, root)

    def _shop_dir(self, kind: Kind, shop: str) -> str:
        return f"{self._root}/{kind}/shop={shop}"

    def _day_dir(self, kind: Kind, shop: str, day: date) -> str:
        return f"{self._shop_dir(kind, shop)}/day={day.isoformat()}"

    def _children(self, directory: str) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(directory, allow_not_found=True)
        return list(self._fs.get_file_info(selector))

    def files(self, kind: Kind, shop: str, day: date) -> list[str]:
        """The day's files, in the order of their first id."""
        found = [
            (span[0], info.path)
            for info in self._children(self._day_dir(kind, shop, day))
            if (span := _range_of(info.base_name)) is not None
        ]
        return [path for _, path in sorted(found)]

    def days(self, kind: Kind, shop: str) -> list[date]:
        return sorted(
            date.fromisoformat(info.base_name.removeprefix("day="))
            for info in self._children(self._shop_dir(kind, shop))
            if info.base_name.startswith("day=")
        )

    def write(self, kind: Kind, shop: str, entries: Sequence[RawEntry]) -> int:
        """Archive raw stream entries; returns the rows added (0 when all were there)."""
        by_day: dict[date, list[RawEntry]] = defaultdict(list)
        for entry in entries:
            by_day[_day_of(split_id(entry[0])[0])].append(entry)
        return sum(self._write_day(kind, shop, day, found) for day, found in by_day.items())

    def _write_day(self, kind: Kind, shop: str, day: date, entries: list[RawEntry]) -> int:
        ids = sorted(split_id(entry_id) for entry_id, _ in entries)
        held = self._held(kind, shop, day, ids[0], ids[-1])
        fresh = [entry for entry in entries if split_id(entry[0]) not in held]
        if not fresh:
            return 0
        table = TABLE_OF[kind](sorted(fresh, key=lambda entry: split_id(entry[0])))
        directory = self._day_dir(kind, shop, day)
        first = entry_id(table["entry_ms"][0].as_py(), table["entry_seq"][0].as_py())
        name = f"{first}_{last_entry_id(table)}{_SUFFIX}"
        self._fs.create_dir(directory, recursive=True)
        final = f"{directory}/{name}"
        target = f"{directory}/.{name}.{uuid.uuid4().hex}" if self._atomic_rename else final
        pq.write_table(table, target, filesystem=self._fs, compression="zstd")
        if self._atomic_rename:
            with open(target, "rb") as written:
                os.fsync(written.fileno())
            self._fs.move(target, final)
        return int(table.num_rows)

    def _held(
        self, kind: Kind, shop: str, day: date, first: tuple[int, int], last: tuple[int, int]
    ) -> set[tuple[int, int]]:
        """Ids between `first` and `last` that the day's files already hold."""
        held: set[tuple[int, int]] = set()
        for info in self._children(self._day_dir(kind, shop, day)):
            span = _range_of(info.base_name)
            if span is None or span[1] < first or span[0] > last:
                continue
            columns = pq.read_table(
                info.path, columns=["entry_ms", "entry_seq"], filesystem=self._fs
            )
            ms, seq = columns["entry_ms"].to_pylist(), columns["entry_seq"].to_pylist()
            held.update(zip(ms, seq, strict=True))
        return held

    def read_day(
        self, kind: Kind, shop: str, day: date, columns: Sequence[str] | None = None
    ) -> pa.Table:
        """A day's rows in stream order; only `columns` (and the ids) when given."""
        schema = SCHEMAS[kind]
        order = [name for name in ("entry_ms", "entry_seq", "position") if name in schema.names]
        wanted = None if columns is None else list(dict.fromkeys([*order, *columns]))
        paths = self.files(kind, shop, day)
        if not paths:
            empty = schema.empty_table()
            return empty if wanted is None else empty.select(wanted)
        found = ds.dataset(paths, schema=schema, filesystem=self._fs).to_table(columns=wanted)
        return found.sort_by([(name, "ascending") for name in order])

    def tables(
        self,
        kind: Kind,
        shop: str,
        columns: Sequence[str] | None = None,
        since: datetime | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> Iterator[pa.Table]:
        """Archived rows received at or after `since` with ids above `after` and below
        `before`, a day a table, in stream order; only `columns` (and the ids) when given."""
        start_ms = None if since is None else int(since.timestamp() * 1000)
        low = None if after is None else split_id(after)
        end = None if before is None else split_id(before)
        for day in self.days(kind, shop):
            if since is not None and day < since.astimezone(UTC).date():
                continue
            if low is not None and day < _day_of(low[0]):
                continue
            if end is not None and day > _day_of(end[0]):
                break
            table = self.read_day(kind, shop, day, columns)
            keep = [pc.greater_equal(table["entry_ms"], start_ms)] if start_ms is not None else []
            if low is not None:
                keep.append(pc.invert(_below(table, (low[0], low[1] + 1))))
            if end is not None:
                keep.append(_below(table, end))
            found = table.filter(functools.reduce(pc.and_, keep)) if keep else table
            if found.num_rows:
                yield found

    def entries(
        self,
        kind: Kind,
        shop: str,
        since: datetime | None = None,
        before: str | None = None,
        after: str | None = None,
    ) -> Iterator[RawEntry]:
        """Archived entries received at or after `since` with ids above `after` and below
        `before`, in stream order, as raw stream entries (a day in memory at a time)."""
        for table in self.tables(kind, shop, None, since, after, before):
            yield from ENTRIES_OF[kind](table, shop)

    def size_bytes(self) -> int:
        """Bytes of every archived file."""
        selector = pafs.FileSelector(self._root, allow_not_found=True, recursive=True)
        return sum(
            info.size or 0
            for info in self._fs.get_file_info(selector)
            if info.type == pafs.FileType.File and info.base_name.endswith(_SUFFIX)
        )

    def remove_leftovers(self, older_than_s: float = 3600.0) -> int:
        """Delete the temporary files of flushes that a crash interrupted; their entries
        were never acknowledged, so they are flushed again. Returns the files deleted."""
        selector = pafs.FileSelector(self._root, allow_not_found=True, recursive=True)
        cutoff = time.time() - older_than_s
        leftovers = [
            info.path
            for info in self._fs.get_file_info(selector)
            if info.type == pafs.FileType.File
            and info.base_name.startswith(".")
            and _SUFFIX + "." in info.base_name
            and info.mtime is not None
            and info.mtime.timestamp() < cutoff
        ]
        for path in leftovers:
            self._fs.delete_file(path)
        return len(leftovers)

    def rows(self, kind: Kind, shop: str) -> int:
        """Rows archived for the shop."""
        paths = [path for day in self.days(kind, shop) for path in self.files(kind, shop, day)]
        return sum(pq.ParquetFile(path, filesystem=self._fs).metadata.num_rows for path in paths)


def _below(table: pa.Table, end: tuple[int, int]) -> pa.ChunkedArray:
    return pc.or_(
        pc.less(table["entry_ms"], end[0]),
        pc.and_(pc.equal(table["entry_ms"], end[0]), pc.less(table["entry_seq"], end[1])),
    )
