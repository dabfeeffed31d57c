"""The model store on a real store: chunked versions, the atomic switch, pruning, imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from engine import keys
from engine.errors import IncompleteModel
from engine.model_store import UNFINISHED_TTL_S, ModelStore, import_folders

pytestmark = pytest.mark.anyio


def arrays(size: int) -> dict[str, Any]:
    return {"x": np.arange(size, dtype=np.int64), "names": np.array(["a", "b"])}


async def test_a_saved_version_comes_back_whole_from_several_chunks(store: Any) -> None:
    models = ModelStore(store, chunk_bytes=1000)
    assert await models.current_version("acme") is None
    version = await models.save("acme", arrays(1000), {"shop": "acme", "events": 12})
    assert await models.current_version("acme") == version
    assert int(await store.hget(keys.model_version("acme", version), "chunks")) == 9
    loaded = await models.load("acme", version)
    assert loaded.arrays["x"].tolist() == list(range(1000))
    assert loaded.arrays["names"].tolist() == ["a", "b"]
    assert loaded.metadata == {"shop": "acme", "events": 12}
    assert await models.metadata("acme", version) == loaded.metadata
    assert await store.ttl(keys.model_version("acme", version)) == -1


async def test_a_version_written_but_not_switched_is_never_current(store: Any) -> None:
    models = ModelStore(store, chunk_bytes=1000)
    old = await models.save("acme", arrays(10), {"n": 10})
    new = await models.write("acme", arrays(1000), {"n": 1000})
    assert await models.current_version("acme") == old
    assert (await models.load("acme", old)).metadata == {"n": 10}
    # Unswitched, it goes away by itself.
    assert 0 < await store.ttl(keys.model_version("acme", new)) <= UNFINISHED_TTL_S
    await models.switch("acme", new)
    assert await models.current_version("acme") == new
    assert await models.versions("acme") == [old, new]


async def test_a_writer_that_stopped_between_chunks_cannot_switch(store: Any) -> None:
    models = ModelStore(store, chunk_bytes=1000)
    old = await models.save("acme", arrays(10), {"n": 10})
    new = await models.write("acme", arrays(1000), {"n": 1000})
    # What a writer killed after its fifth chunk left: the later chunks are missing.
    await store.hdel(keys.model_version("acme", new), "chunk:5", "chunk:6", "chunk:7")
    with pytest.raises(IncompleteModel, match="not whole"):
        await models.switch("acme", new)
    with pytest.raises(IncompleteModel, match="lost a chunk"):
        await models.load("acme", new)
    assert await models.current_version("acme") == old
    assert await models.versions("acme") == [old]


async def test_a_damaged_chunk_fails_the_digest(store: Any) -> None:
    models = ModelStore(store, chunk_bytes=1000)
    version = await models.save("acme", arrays(1000), {})
    await store.hset(keys.model_version("acme", version), "chunk:3", b"\0" * 1000)
    with pytest.raises(IncompleteModel, match="digest"):
        await models.load("acme", version)


async def test_versions_beyond_the_kept_ones_are_deleted(store: Any) -> None:
    models = ModelStore(store, keep=2)
    saved = [await models.save("acme", arrays(i + 1), {"i": i}) for i in range(4)]
    assert saved == sorted(saved) and len(set(saved)) == 4
    assert await models.versions("acme") == saved[2:]
    assert await models.current_version("acme") == saved[3]
    for gone in saved[:2]:
        assert not await store.exists(keys.model_version("acme", gone))
        with pytest.raises(IncompleteModel, match="not in the store"):
            await models.load("acme", gone)
    assert (await models.load("acme", saved[2])).metadata == {"i": 2}


async def test_the_keys_of_one_shop_share_a_cluster_slot(cluster: Any) -> None:
    models = ModelStore(cluster, chunk_bytes=100)
    version = await models.save("acme", arrays(100), {"shop": "acme"})
    assert (await models.load("acme", version)).arrays["x"].tolist() == list(range(100))
    slots = {
        await cluster.cluster_keyslot(key)
        for key in (
            keys.current_model("acme"),
            keys.model_versions("acme"),
            keys.model_version("acme", version),
        )
    }
    assert len(slots) == 1


def write_folder(folder: Path, version: str, size: int) -> None:
    (folder / version).mkdir(parents=True)
    np.savez(folder / version / "arrays.npz", x=np.arange(size))
    (folder / version / "metadata.json").write_bytes(orjson.dumps({"size": size}))
    (folder / "current").write_text(version + "\n")


async def test_folders_of_an_earlier_release_are_imported_once(store: Any, tmp_path: Path) -> None:
    models = ModelStore(store)
    write_folder(tmp_path / "acme", "20261101T000000000000Z", 3)
    write_folder(tmp_path / "bolt", "20261101T000000000000Z", 4)
    kept = await models.save("bolt", arrays(7), {"size": 7})
    assert await import_folders(models, tmp_path) == ["acme"]
    imported = await models.load("acme", str(await models.current_version("acme")))
    assert imported.arrays["x"].tolist() == [0, 1, 2] and imported.metadata["size"] == 3
    assert imported.metadata["imported_from"].endswith("acme/20261101T000000000000Z")
    assert await models.current_version("bolt") == kept
    assert await import_folders(models, tmp_path) == []
    assert len(await models.versions("acme")) == 1
    assert await import_folders(models, tmp_path / "missing") == []


async def test_a_second_import_of_the_same_shop_does_not_switch(store: Any) -> None:
    models = ModelStore(store)
    first = await models.write("acme", arrays(3), {})
    second = await models.write("acme", arrays(4), {})
    assert await models.switch("acme", first, if_none=True)
    assert not await models.switch("acme", second, if_none=True)
    assert await models.current_version("acme") == first
    assert await models.versions("acme") == [first]
