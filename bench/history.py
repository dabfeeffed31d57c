"""History at scale: real sessions replayed at a steady rate into a real server, printing
each minute the store's memory, the archive's bytes and the archive's lag.

YooChoose clicks (../shared/data/yoochoose-sample) are replayed as `Product Viewed` events,
a session's clicks in order, a few a request, re-keyed on every pass over the file (new
visitor, session and event ids) so that the replay can run as long as asked. The server
and `basketlift consume` run as in production, with a short hot window so that the stream
fills it within the run. At the end the archive is counted against the events the server
accepted: none lost, none twice.

    python -m bench.history [--minutes 4] [--rate 200] [--hot-window-minutes 1]
                            [--dedup-minutes M (default: the hot window)]
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import redis

from bench.harness import free_port, print_table, save_results, start_basketlift, stop_process
from bench.ingest import create_shop
from tracker.archive import Archive
from tracker.archive_rows import EVENTS
from tracker.archiver import ARCHIVE_GROUP
from tracker.keys import event_stream, shop_key
from tracker.reader import stream_entries
from widget.platform.embedded import socket_path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "yoochoose-sample"
CLICKS = DATA / "yoochoose-clicks-100k_train_full.txt.gz"
SHOP = "bench"
ORIGIN = "https://shop.example"


def sessions() -> list[list[str]]:
    """The item ids of each session, in order of time."""
    found: dict[str, list[str]] = {}
    with gzip.open(CLICKS, "rt") as lines:
        next(lines)
        for line in lines:
            session, item, _ = line.rstrip("\n").split("\t")
            found.setdefault(session, []).append(item)
    return list(found.values())


def batches(clicks: list[list[str]], per_request: int) -> Iterator[list[dict[str, Any]]]:
    """Requests of up to `per_request` events of one session, every pass re-keyed."""
    for replay in range(1_000_000):
        for number, items in enumerate(clicks):
            visitor = f"v{replay}-{number}"
            for start in range(0, len(items), per_request):
                moment = datetime.now(UTC).isoformat()
                yield [
                    {
                        "event_id": str(uuid.uuid4()),
                        "type": "Product Viewed",
                        "anonymous_id": visitor,
                        "session_id": f"s{replay}-{number}",
                        "timestamp": moment,
                        "properties": {"product_id": item},
                        "context": {"page": {"url": f"{ORIGIN}/p/{item}"}},
                    }
                    for item in items[start : start + per_request]
                ]


def archive_lag_s(store: Any, stream: str) -> float:
    """Age of the oldest entry the archive has not acknowledged (0 when none)."""
    groups = {group["name"]: group for group in store.xinfo_groups(stream)}
    group = groups.get(ARCHIVE_GROUP)
    if group is None:
        oldest = store.xrange(stream, count=1)
    elif group["pending"]:
        oldest = [(store.xpending(stream, ARCHIVE_GROUP)["min"], None)]
    else:
        oldest = store.xrange(stream, min=f"({group['last-delivered-id']}", count=1)
    if not oldest:
        return 0.0
    return max(0.0, time.time() - int(str(oldest[0][0]).split("-")[0]) / 1000)


def keys_mb(store: Any, pattern: str) -> float:
    """Store memory of the shop's keys matching `pattern` (after the shop's tag)."""
    found = store.scan_iter(match=shop_key(SHOP, pattern), count=1000)
    return sum(store.memory_usage(key, samples=0) or 0 for key in found) / 1e6


def sample(
    store: Any, archive: Archive, started: float, sent: int, accepted: int
) -> dict[str, Any]:
    stream = event_stream(SHOP)
    rows = archive.rows(EVENTS, SHOP)
    size = archive.size_bytes()
    return {
        "minute": round((time.monotonic() - started) / 60, 1),
        "events_sent": sent,
        "accepted": accepted,
        "store_mb": store.info("memory")["used_memory"] / 1e6,
        "stream_mb": (store.memory_usage(stream, samples=0) or 0) / 1e6,
        "dedup_mb": keys_mb(store, "seen:*"),
        "applied_mb": keys_mb(store, "billing:applied*") + keys_mb(store, "placements:applied*"),
        "stream_entries": store.xlen(stream),
        "archived_events": rows,
        "archive_kb": size / 1e3,
        "bytes_per_event": size / rows if rows else 0.0,
        "archive_lag_s": archive_lag_s(store, stream),
    }


def replay(
    base_url: str, site_key: str, minutes: float, rate: float, per_request: int
) -> Iterator[tuple[int, int]]:
    """Send events at `rate` a second for `minutes`; yields (sent, accepted) each second
    and at the end."""
    clicks = sessions()
    started = time.monotonic()
    sent = accepted = 0
    with httpx2.Client(base_url=base_url, headers={"Origin": ORIGIN}, timeout=30) as client:
        for events in batches(clicks, per_request):
            elapsed = time.monotonic() - started
            if elapsed >= minutes * 60:
                yield sent, accepted
                return
            ahead = sent / rate - elapsed
            if ahead > 0:
                time.sleep(ahead)
            response = client.post("/v1/events", json={"site_key": site_key, "events": events})
            response.raise_for_status()
            before = sent
            sent += len(events)
            accepted += response.json()["accepted"]
            if int(sent / rate) != int(before / rate):
                yield sent, accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="Minutes of replay.")
    parser.add_argument("--rate", type=float, default=200.0, help="Events a second.")
    parser.add_argument("--per-request", type=int, default=5, help="Events a request.")
    parser.add_argument(
        "--hot-window-minutes", type=float, default=1.0, help="The stream's hot window."
    )
    parser.add_argument(
        "--dedup-minutes",
        type=float,
        default=None,
        help="The de-duplication window of event ids (default: the hot window).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-history-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, data_dir: Path) -> None:
    port = free_port()
    os.environ["BASKETLIFT_HOT_WINDOW_HOURS"] = str(args.hot_window_minutes / 60)
    dedup_minutes = args.hot_window_minutes if args.dedup_minutes is None else args.dedup_minutes
    os.environ["BASKETLIFT_DEDUP_HOURS"] = str(dedup_minutes / 60)
    processes = start_basketlift(data_dir, port, "bench-admin-token-0123456789")
    base_url = f"http://127.0.0.1:{port}"
    rows: list[dict[str, Any]] = []
    try:
        site_key = create_shop(base_url)["site_key"]
        store = redis.Redis(unix_socket_path=str(socket_path(data_dir)), decode_responses=True)
        archive = Archive.open(data_dir / "archive")
        started = time.monotonic()
        sent = accepted = 0
        for sent, accepted in replay(base_url, site_key, args.minutes, args.rate, args.per_request):
            if time.monotonic() - started >= 60 * (len(rows) + 1):
                rows.append(sample(store, archive, started, sent, accepted))
                print_table(rows[-1:], f"minute {len(rows)}")
        deadline = time.monotonic() + 120
        while archive_lag_s(store, event_stream(SHOP)) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(6)  # the archiver's last flush
        rows.append(sample(store, archive, started, sent, accepted))
        entries = stream_entries(list(archive.entries(EVENTS, SHOP)))
        ids = [event.event_id for entry in entries for event in entry.events]
    finally:
        stop_process(*processes)
    print_table(rows, "history: per minute")
    memory = [row["store_mb"] for row in rows[:-1]]
    half = memory[len(memory) // 2 :]
    summary = {
        "accepted": accepted,
        "archived": len(ids),
        "archived_unique": len(set(ids)),
        "lost": accepted - len(set(ids)),
        "duplicated": len(ids) - len(set(ids)),
        "bytes_per_event": rows[-1]["bytes_per_event"],
        "store_growth_last_half": (half[-1] - half[0]) / half[0] if len(half) > 1 else None,
        "max_archive_lag_s": max(row["archive_lag_s"] for row in rows[:-1])
        if len(rows) > 1
        else None,
    }
    print_table([summary], "history: totals")
    path = save_results("history", {"arguments": vars(args), "minutes": rows, "totals": summary})
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
