"""The compiled code's cache is keyed by every engine source, not by each file alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import compiled


@pytest.fixture
def engine_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sources = tmp_path / "engine"
    sources.mkdir()
    (sources / "caller.py").write_text("def caller(): return callee()\n")
    (sources / "callee.py").write_text("def callee(): return 1\n")
    monkeypatch.setattr(compiled, "_ENGINE", sources)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    return sources


def test_a_change_in_a_callee_alone_moves_the_cache(engine_copy: Path) -> None:
    before = compiled._cache_folder()
    (engine_copy / "callee.py").write_text("def callee(): return 2\n")
    after = compiled._cache_folder()
    assert after != before
    assert after.parent == before.parent


def test_folders_of_older_sources_are_removed(engine_copy: Path) -> None:
    before = compiled._cache_folder()
    before.mkdir(parents=True)
    (before / "stale.nbi").write_bytes(b"old machine code")
    (engine_copy / "callee.py").write_text("def callee(): return 3\n")
    compiled._cache_folder()
    assert not before.exists()


def test_unchanged_sources_keep_their_folder(engine_copy: Path) -> None:
    first = compiled._cache_folder()
    first.mkdir(parents=True)
    assert compiled._cache_folder() == first
    assert first.exists()


def test_the_engine_caches_under_its_digest() -> None:
    assert compiled.CACHE_FOLDER.name == f"numba-{compiled._sources_digest()}"
