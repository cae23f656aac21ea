"""Put a finished folder where the old one was, in one step a reader cannot see half of.

On Linux, ``renameat2(..., RENAME_EXCHANGE)`` swaps two directory entries
atomically: at every instant the path names either the old folder or the new
one, and it stays a real directory (no symlink for tools to trip over). Where
the call is missing or the file system refuses it, two renames are used, and
the old folder waits in the work folder until the next build restores or
removes it (see ``writing``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from pathlib import Path
from typing import Any

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# The call or the flag is unknown (old kernel or libc), or this file system cannot exchange.
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP}


def _load_renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False when this system cannot."""
    if _renameat2 is None or "no-exchange" in os.environ.get("PMFORGE_TEST_HOOKS", "").split(","):
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))


def put_in_place(new: Path, target: Path, *, aside: Path, between: Any = None) -> Path | None:
    """Make ``new`` appear at ``target``; return where the previous ``target`` now is (or None).

    ``aside`` is where the previous folder goes when two renames are needed;
    ``between`` runs between those two renames (the tests' kill point).
    """
    if not os.path.lexists(target):
        os.rename(new, target)
        return None
    if exchange(new, target):
        return new
    os.rename(target, aside)
    if between is not None:
        between()
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(aside, target)
        raise
    return aside
