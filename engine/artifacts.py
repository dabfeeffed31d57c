"""Model artifacts on disk: versioned folders of arrays and metadata, swapped atomically.

    folder/
      current                     the version being served (a one-line text file)
      20261123T100000123456Z/     one version: arrays.npz + metadata.json
      ...

No pickle anywhere: arrays go to an `.npz` read back with `allow_pickle=False`, the rest
is JSON. A version is written in a hidden temporary folder and renamed into place, then
`current` is replaced (write + rename), so a reader sees the old version or the new
one, never half of one. A running server calls `load_latest(folder, its_version)` now
and then and swaps its models when it returns a newer artifact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import scipy.sparse as sp

CURRENT = "current"
ARRAYS = "arrays.npz"
METADATA = "metadata.json"
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class Artifact:
    """One saved version: named arrays and JSON metadata."""

    version: str
    arrays: dict[str, npt.NDArray[Any]]
    metadata: dict[str, Any]


def save(folder: Path, arrays: dict[str, npt.NDArray[Any]], metadata: dict[str, Any]) -> str:
    """Write a new version and make it current; returns its name. Old versions beyond
    the newest KEEP_VERSIONS are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    version = _new_version(folder)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        with open(staging / ARRAYS, "wb") as out:
            np.savez(out, allow_pickle=False, **arrays)
            os.fsync(out.fileno())
        (staging / METADATA).write_bytes(orjson.dumps(metadata, option=orjson.OPT_INDENT_2))
        staging.rename(folder / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current(folder, version)
    _prune(folder, version)
    return version


def current_version(folder: Path) -> str | None:
    """The version that `current` names, or None before the first save."""
    try:
        return (folder / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def load(folder: Path, version: str) -> Artifact:
    """The arrays and metadata of one version, fully in memory."""
    with np.load(folder / version / ARRAYS, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    metadata = orjson.loads((folder / version / METADATA).read_bytes())
    return Artifact(version, arrays, metadata)


def load_latest(folder: Path, loaded: str | None = None) -> Artifact | None:
    """The current artifact if it is newer than the `loaded` version, else None
    (None too when nothing was saved yet)."""
    version = current_version(folder)
    if version is None or version == loaded:
        return None
    return load(folder, version)


def sparse_arrays(name: str, matrix: sp.csr_matrix) -> dict[str, npt.NDArray[Any]]:
    """A csr_matrix as plain arrays `name.data`, `.indices`, `.indptr`, `.shape`."""
    matrix = sp.csr_matrix(matrix)
    return {
        f"{name}.data": matrix.data,
        f"{name}.indices": matrix.indices,
        f"{name}.indptr": matrix.indptr,
        f"{name}.shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def sparse_matrix(arrays: dict[str, npt.NDArray[Any]], name: str) -> sp.csr_matrix:
    """The csr_matrix that `sparse_arrays(name, ...)` stored."""
    shape = tuple(int(n) for n in arrays[f"{name}.shape"])
    parts = (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"])
    return sp.csr_matrix(parts, shape=shape)


def _new_version(folder: Path) -> str:
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    # Versions sort by time; two saves within one microsecond still get distinct names.
    suffix = 0
    name = version
    while (folder / name).exists():
        suffix += 1
        name = f"{version}-{suffix}"
    return name


def _point_current(folder: Path, version: str) -> None:
    pointer = folder / f".{CURRENT}.{os.getpid()}"
    with open(pointer, "w") as out:
        out.write(version + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(pointer, folder / CURRENT)


def _prune(folder: Path, current: str) -> None:
    versions = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name[0].isdigit())
    for old in versions[:-KEEP_VERSIONS]:
        if old != current:
            shutil.rmtree(folder / old, ignore_errors=True)
