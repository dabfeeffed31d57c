from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import stat
import tempfile
import threading
from pathlib import Path

import pytest
import redis

from tests.servers import (
    corrupt_append_only_file,
    embedded_servers,
    kill_embedded_server,
    wait_for,
)
from widget.platform.embedded import (
    EmbeddedStore,
    EmbeddedStoreError,
    answers_or_is_supervised,
    server_binary,
    socket_path,
)
from widget.platform.store_supervisor import FIRST_DELAY_S

NOBODY = 65534


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


class RogueServer:
    """A unix socket server at `path` that answers +PONG and records what it was sent."""

    def __init__(self, path: Path) -> None:
        self.received = b""
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen()
        self.listener.settimeout(5)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                with connection:
                    self.received += connection.recv(1024)
                    connection.sendall(b"+PONG\r\n")

    def close(self) -> None:
        self.listener.close()


def deep_folder(tmp_path: Path) -> Path:
    return tmp_path.joinpath(*["folder-with-a-long-name"] * 6)


def test_a_rogue_server_at_the_old_predictable_socket_gets_nothing(tmp_path: Path) -> None:
    deep = deep_folder(tmp_path)
    digest = hashlib.sha256(os.fsencode(deep.resolve())).hexdigest()[:16]
    predictable = Path(tempfile.gettempdir()) / f"basketlift-{digest}.sock"
    rogue = RogueServer(predictable)
    try:
        with EmbeddedStore(deep) as store:
            assert redis.Redis.from_url(store.url).set("secret", "hash")
        assert rogue.received == b""
    finally:
        rogue.close()
        predictable.unlink()


def _someone_elses(path: Path) -> None:
    os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_a_socket_of_another_user_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    deep = deep_folder(tmp_path)
    socket_path(deep).parent.mkdir(mode=0o700, exist_ok=True)
    rogue = RogueServer(socket_path(deep))
    _someone_elses(socket_path(deep))
    try:
        with pytest.raises(EmbeddedStoreError, match="not a socket owned by this user"):
            EmbeddedStore(deep).start()
        assert rogue.received == b""
    finally:
        rogue.close()
        socket_path(deep).unlink()


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_a_data_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    (tmp_path / "theirs").mkdir()
    _someone_elses(tmp_path / "theirs")
    with pytest.raises(EmbeddedStoreError, match="not a folder owned by this user"):
        EmbeddedStore(tmp_path / "theirs").start()


def test_the_data_folder_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "valkey.log").write_text("of an earlier version\n")
    (data / "valkey.log").chmod(0o644)
    with EmbeddedStore(data) as store:
        redis.Redis.from_url(store.url).set("k", "v")
    found = {p.relative_to(data): stat.S_IMODE(p.stat().st_mode) for p in data.rglob("*")}
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert found[Path("appendonlydir")] == 0o700
    files = {path: mode for path, mode in found.items() if path != Path("appendonlydir")}
    assert files and set(files.values()) == {0o600}, files


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.ConnectionError:
        return False


def test_the_first_to_leave_does_not_stop_the_others_server(tmp_path: Path) -> None:
    first, second = EmbeddedStore(tmp_path), EmbeddedStore(tmp_path)
    first.start()
    second.start()
    redis.Redis.from_url(first.url).set("k", "v")
    first.stop()
    assert redis.Redis.from_url(second.url).get("k") == b"v"
    # The one left takes ownership, so it restarts the server, and stops it on leaving.
    assert wait_for(lambda: second.owned, 2)
    second.stop()
    assert not socket_path(tmp_path).exists()


def test_the_owner_restarts_a_killed_server_with_its_data(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        client = redis.Redis.from_url(store.url)
        client.xadd("bl:{s}:events", {"e": "1"})
        killed = kill_embedded_server(tmp_path)
        assert wait_for(lambda: answers(store.url), FIRST_DELAY_S + 5)
        restarted = embedded_servers(tmp_path)
        assert len(restarted) == 1 and restarted != [killed]
        assert client.xlen("bl:{s}:events") == 1
        client.close()


def test_the_owner_gives_up_after_its_restarts(tmp_path: Path) -> None:
    given_up = threading.Event()
    with EmbeddedStore(tmp_path, restarts=2, on_give_up=given_up.set) as store:
        assert answers_or_is_supervised(tmp_path)
        kill_embedded_server(tmp_path)
        corrupt_append_only_file(tmp_path)
        assert not given_up.wait(FIRST_DELAY_S)
        assert given_up.wait(FIRST_DELAY_S * 3 + 10)
        assert store.gave_up and not store.owned
        assert not answers_or_is_supervised(tmp_path)
