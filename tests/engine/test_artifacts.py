"""Artifacts: arrays to an `.npz` and back without pickle, and the folders of earlier releases."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import orjson
import pytest
import scipy.sparse as sp

from engine import artifacts
from engine.artifacts import sparse_arrays, sparse_matrix


def test_round_trip_of_arrays_and_sparse_matrices() -> None:
    matrix = sp.random(30, 20, density=0.1, format="csr", random_state=1, dtype=np.float32)
    arrays = {"ids": np.array(["a", "b"]), **sparse_arrays("m", matrix)}
    encoded = io.BytesIO()
    artifacts.write_arrays(arrays, encoded)
    loaded = artifacts.arrays_from_bytes(encoded.getvalue())
    assert loaded["ids"].tolist() == ["a", "b"]
    assert (sparse_matrix(loaded, "m") != matrix).nnz == 0


def test_object_arrays_are_refused_rather_than_pickled() -> None:
    with pytest.raises(ValueError, match="pickle"):
        artifacts.write_arrays({"bad": np.array([{"a": 1}], dtype=object)}, io.BytesIO())


def test_the_current_version_of_an_earlier_release_folder_is_read(tmp_path: Path) -> None:
    assert artifacts.read_folder(tmp_path) is None
    for version, size in (("20261101T000000000000Z", 3), ("20261102T000000000000Z", 5)):
        (tmp_path / version).mkdir()
        np.savez(tmp_path / version / "arrays.npz", x=np.arange(size))
        (tmp_path / version / "metadata.json").write_bytes(orjson.dumps({"size": size}))
    (tmp_path / "current").write_text("20261101T000000000000Z\n")
    found = artifacts.read_folder(tmp_path)
    assert found is not None and found.version == "20261101T000000000000Z"
    assert found.arrays["x"].tolist() == [0, 1, 2] and found.metadata == {"size": 3}
