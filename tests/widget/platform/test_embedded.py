from __future__ import annotations

from pathlib import Path

import redis

from widget.platform.embedded import EmbeddedStore, server_binary, socket_path


def test_ships_a_valkey_server_with_streams() -> None:
    assert server_binary().name == "valkey-server"


def test_data_survive_a_restart_with_the_append_only_file_on(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        client = redis.Redis.from_url(store.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        client.xadd("bl:{s}:events", {"e": "1"})
        client.close()
    with EmbeddedStore(tmp_path) as store:
        client = redis.Redis.from_url(store.url)
        assert client.xlen("bl:{s}:events") == 1
        client.close()


def test_a_second_opener_joins_and_does_not_stop_the_server(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as first:
        second = EmbeddedStore(tmp_path)
        assert second.start() == first.url and not second.owned
        second.stop()
        assert redis.Redis.from_url(first.url).ping()


def test_deep_folders_get_a_short_socket_path(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["folder-with-a-long-name"] * 6)
    assert len(str(socket_path(deep))) < 100
    with EmbeddedStore(deep) as store:
        assert redis.Redis.from_url(store.url).ping()
