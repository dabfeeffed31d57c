"""An advisory lock on a file (`flock`), shared or exclusive, held until released.

The operating system drops it when its holder exits, however it exits (kill -9 too), so
a lock found free means that no live process holds it. Locks are per open file: two
`FileLock`s of one path conflict even within one process.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, exclusive: bool, wait: bool) -> bool:
        """Take the lock (waiting for it when `wait`); False when others hold it. A lock
        already held is given up first (flock converts no lock atomically)."""
        self.release()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def held_by_another(path: Path) -> bool:
    """Whether some open file (of any process, this one included) holds `path`'s lock."""
    probe = FileLock(path)
    if not probe.acquire(exclusive=True, wait=False):
        return True
    probe.release()
    return False
