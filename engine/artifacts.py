"""Model artifacts: named arrays and JSON metadata, and their bytes.

No pickle anywhere: arrays go to an `.npz` read back with `allow_pickle=False`, the rest
is JSON. `engine.model_store` keeps artifacts where every server sees them. Versions that
earlier releases saved on disk (`folder/current` naming `folder/<version>/arrays.npz` and
`metadata.json`) are read by `read_folder`, to be moved there once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import orjson
import scipy.sparse as sp

Arrays = dict[str, npt.NDArray[Any]]


@dataclass(frozen=True)
class Artifact:
    """One saved version: named arrays and JSON metadata."""

    version: str
    arrays: Arrays
    metadata: dict[str, Any]


def write_arrays(arrays: Arrays, file: BinaryIO) -> None:
    """Write the arrays to `file` as an uncompressed `.npz`, a few MB at a time; raises
    ValueError for object arrays."""
    np.savez(file, allow_pickle=False, **arrays)


def arrays_from_bytes(blob: bytes) -> Arrays:
    """The arrays of an `.npz` that `write_arrays` wrote, fully in memory."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


def read_folder(folder: Path) -> Artifact | None:
    """The current version of an on-disk artifact folder of an earlier release, or None."""
    try:
        version = (folder / "current").read_text().strip()
    except FileNotFoundError:
        return None
    if not version:
        return None
    arrays = arrays_from_bytes((folder / version / "arrays.npz").read_bytes())
    metadata = orjson.loads((folder / version / "metadata.json").read_bytes())
    return Artifact(version, arrays, metadata)


def sparse_arrays(name: str, matrix: sp.csr_matrix) -> Arrays:
    """A csr_matrix as plain arrays `name.data`, `.indices`, `.indptr`, `.shape`."""
    matrix = sp.csr_matrix(matrix)
    return {
        f"{name}.data": matrix.data,
        f"{name}.indices": matrix.indices,
        f"{name}.indptr": matrix.indptr,
        f"{name}.shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def sparse_matrix(arrays: Arrays, name: str) -> sp.csr_matrix:
    """The csr_matrix that `sparse_arrays(name, ...)` stored."""
    shape = tuple(int(n) for n in arrays[f"{name}.shape"])
    parts = (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"])
    return sp.csr_matrix(parts, shape=shape)
