"""Recommendations of several versions of the code, served in turn on one prepared shop.

On a shared virtual machine, runs minutes apart differ by a quarter or more, so comparing
two versions by two separate runs of bench/recommend.py says little. This bench prepares
the shop once (as bench/recommend.py does, with this checkout), then for each round
serves it with each version in turn, every server fresh (no remembered answers), and
measures new contexts, repeated contexts and the bare endpoint in each turn. Versions
are git revisions, checked out into temporary worktrees; `.` is this checkout as it is.

    python -m bench.recommend_versions REV [REV ...] [--rounds 2] [--seconds 8]

Prints one row per version and round, and the median per version; saves
bench/results/recommend_versions.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx2

from bench.harness import (
    free_port,
    print_table,
    save_results,
    start_bare,
    start_basketlift,
    stop_process,
)
from bench.recommend import ADMIN_TOKEN, ORIGIN, answer_all, measure, setup_shop, wait_until_served

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def checkout(revision: str) -> Iterator[Path | None]:
    """A worktree of `revision` for the time of the bench (None for `.`: this checkout)."""
    if revision == ".":
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="basketlift-version-")) / "code"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(folder), revision],
        cwd=ROOT,
        check=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=True)


def one_turn(
    code: Path | None, data_dir: Path, paths: list[str], files: dict[str, Path], seconds: int
) -> dict[str, dict[str, Any]]:
    """Serve the shop with `code`; measure new contexts, then repeated ones."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    [server] = start_basketlift(data_dir, port, ADMIN_TOKEN, consumers=False, code=code)
    try:
        with httpx2.Client(base_url=url, timeout=120, headers={"Origin": ORIGIN}) as http:
            # A first load of a checkout compiles its serving path: half a minute.
            wait_until_served(http, paths[-1], seconds=300)
        new = measure(url, files["new"], seconds, server.pid)
        answer_all(url, files["repeated"].read_text().split())
        repeated = measure(url, files["repeated"], seconds, server.pid)
    finally:
        stop_process(server)
    return {"new": new, "repeated": repeated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", help="git revisions; `.` is this checkout")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--train-sessions", type=int, default=30_000)
    parser.add_argument("--visitors", type=int, default=30_000)
    parser.add_argument("--repeated", type=int, default=2_000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="basketlift-versions-"))
    port = free_port()
    processes = start_basketlift(data_dir, port, ADMIN_TOKEN)
    try:
        shop = setup_shop(f"http://127.0.0.1:{port}", data_dir, args.train_sessions, args.visitors)
    finally:
        stop_process(*processes)
    paths: list[str] = shop["paths"]
    files = {"new": data_dir / "paths.txt", "repeated": data_dir / "repeated.txt"}
    files["new"].write_text("\n".join(paths) + "\n")
    files["repeated"].write_text("\n".join(paths[: args.repeated]) + "\n")
    rows: list[dict[str, Any]] = []
    bare_port = free_port()
    bare = start_bare(bare_port)
    with ExitStack() as stack:
        codes = {rev: stack.enter_context(checkout(rev)) for rev in args.revisions}
        try:
            for round_ in range(args.rounds):
                for revision, code in codes.items():
                    found = one_turn(code, data_dir, paths, files, args.seconds)
                    ceiling = measure(
                        f"http://127.0.0.1:{bare_port}", files["repeated"], args.seconds, bare.pid
                    )
                    rows.append(row(revision, round_, found, ceiling))
                    print_table(rows[-1:], f"round {round_ + 1} of {args.rounds}: {revision}")
        finally:
            stop_process(bare)
    medians = [median_row(revision, rows) for revision in args.revisions]
    print_table(rows, "every turn")
    print_table(medians, f"median of {args.rounds} rounds")
    saved = save_results(
        "recommend_versions",
        {"revisions": args.revisions, "seconds": args.seconds, "rows": rows, "medians": medians},
    )
    print(f"saved {saved}")


def row(
    revision: str, round_: int, found: dict[str, dict[str, Any]], ceiling: dict[str, Any]
) -> dict[str, Any]:
    new, repeated = found["new"], found["repeated"]
    return {
        "version": revision,
        "round": round_ + 1,
        "new req/s": new["req/s"],
        "new p99 ms": new["p99 ms"],
        "new cpu us/req": new["cpu us/req"],
        "repeated req/s": repeated["req/s"],
        "repeated p99 ms": repeated["p99 ms"],
        "repeated cpu us/req": repeated["cpu us/req"],
        "bare req/s": ceiling["req/s"],
        "new % of bare": 100 * new["req/s"] / ceiling["req/s"],
        "repeated % of bare": 100 * repeated["req/s"] / ceiling["req/s"],
        "errors": new["errors"] + repeated["errors"] + ceiling["errors"],
    }


def median_row(revision: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [r for r in rows if r["version"] == revision]
    columns = [c for c in mine[0] if c not in ("version", "round")]
    return {"version": revision} | {c: statistics.median(r[c] for r in mine) for c in columns}


if __name__ == "__main__":
    main()
