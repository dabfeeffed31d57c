"""Machine code for the serving path's loops: numba's `njit`, typed and cached on disk.

A visitor's recommendations touch a few hundred sparse entries; in numpy each step is a
call of a few microseconds whatever its size, so a context cost a millisecond of call
overhead. Compiled, the same loops take microseconds. The first call of each function in
a fresh checkout compiles it (about a second); the machine code is then cached on disk
for every later process.

numba checks a cached function against its own source file only, not the files of the
compiled functions it calls, so after an upgrade that changed a callee it would run the
old machine code against new data layouts (a segmentation fault, seen here). The cache
therefore lives in a folder named after a digest of every engine source and numba's
version: any change compiles afresh, and the folders of older digests are removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
from numba.core import config as numba_config

Function = TypeVar("Function", bound=Callable[..., object])

# Its settings are module attributes made at run time, unknown to mypy.
_numba_settings: Any = numba_config
_ENGINE = Path(__file__).resolve().parent
_PREFIX = "numba-"


def _sources_digest() -> str:
    digest = hashlib.sha256(numba.__version__.encode())
    for source in sorted(_ENGINE.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _cache_root() -> Path:
    """NUMBA_CACHE_DIR when set, else the engine's __pycache__, else the user's cache."""
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        return Path(chosen)
    in_tree = _ENGINE / "__pycache__"
    if _writable(in_tree):
        return in_tree
    return Path.home() / ".cache" / "basketlift"


def _cache_folder() -> Path:
    root = _cache_root()
    folder = root / f"{_PREFIX}{_sources_digest()}"
    for older in root.glob(f"{_PREFIX}*"):
        if older != folder:
            shutil.rmtree(older, ignore_errors=True)
    return folder


CACHE_FOLDER = _cache_folder()


def compiled(function: Function) -> Function:
    """`function` compiled by numba in nopython mode (plain loops over numpy arrays),
    its machine code cached in CACHE_FOLDER."""
    # numba picks a function's cache folder when it is decorated, from this setting.
    chosen, _numba_settings.CACHE_DIR = _numba_settings.CACHE_DIR, str(CACHE_FOLDER)
    try:
        # Without the GIL: training runs a kernel on blocks in threads, and a server's
        # other threads (a model switch) run while a request's loops do.
        return cast(Function, numba.njit(cache=True, nogil=True)(function))
    finally:
        _numba_settings.CACHE_DIR = chosen
