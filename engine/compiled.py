"""Machine code for the serving path's loops: numba's `njit`, typed and cached on disk.

A visitor's recommendations touch a few hundred sparse entries; in numpy each step is a
call of a few microseconds whatever its size, so a context cost a millisecond of call
overhead. Compiled, the same loops take microseconds. The first call of each function in
a fresh checkout compiles it (about a second); the machine code is then cached beside
the module, in __pycache__, for every later process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numba

Function = TypeVar("Function", bound=Callable[..., object])


def compiled(function: Function) -> Function:
    """`function` compiled by numba in nopython mode (plain loops over numpy arrays)."""
    return cast(Function, numba.njit(cache=True)(function))
