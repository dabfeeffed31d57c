"""Artifacts: round trip without pickle, atomic swap of the current version, pruning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from engine import artifacts
from engine.artifacts import CURRENT, load_latest, sparse_arrays, sparse_matrix


def test_round_trip_of_arrays_sparse_matrices_and_metadata(tmp_path: Path) -> None:
    matrix = sp.random(30, 20, density=0.1, format="csr", random_state=1, dtype=np.float32)
    arrays = {"ids": np.array(["a", "b"]), **sparse_arrays("m", matrix)}
    version = artifacts.save(tmp_path, arrays, {"shop": "acme", "alpha": 1.5})
    loaded = artifacts.load(tmp_path, version)
    assert loaded.metadata == {"shop": "acme", "alpha": 1.5}
    assert loaded.arrays["ids"].tolist() == ["a", "b"]
    assert (sparse_matrix(loaded.arrays, "m") != matrix).nnz == 0


def test_object_arrays_are_refused_rather_than_pickled(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pickle"):
        artifacts.save(tmp_path, {"bad": np.array([{"a": 1}], dtype=object)}, {})
    assert artifacts.current_version(tmp_path) is None
    assert [p.name for p in tmp_path.iterdir()] == []


def test_load_latest_tells_whether_a_newer_version_exists(tmp_path: Path) -> None:
    assert load_latest(tmp_path) is None
    first = artifacts.save(tmp_path, {"x": np.arange(3)}, {})
    loaded = load_latest(tmp_path)
    assert loaded is not None and loaded.version == first
    assert load_latest(tmp_path, loaded=first) is None
    second = artifacts.save(tmp_path, {"x": np.arange(4)}, {})
    newer = load_latest(tmp_path, loaded=first)
    assert newer is not None and newer.version == second and len(newer.arrays["x"]) == 4


def test_the_swap_leaves_only_whole_versions_and_the_pointer(tmp_path: Path) -> None:
    versions = [artifacts.save(tmp_path, {"x": np.arange(i)}, {"i": i}) for i in range(5)]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([CURRENT, *versions[-artifacts.KEEP_VERSIONS :]])
    assert (tmp_path / CURRENT).read_text().strip() == versions[-1]
    assert versions == sorted(versions)
