"""One writer at a time per output folder: a lock file that says who holds it.

The lock is an ``flock`` (Windows: a byte-range lock) on a file in the output's work folder. The system drops
it when its holder dies, even by ``kill -9``, so a lock left by a dead build is
taken over without guessing from pids; the file's text (pid, host, start time,
command) is there to tell a waiting build whom it waits for.
"""

from __future__ import annotations

import json
import errno
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

POLL_S = 0.05
_FAR = 1 << 30  # Windows locks a byte range, and a locked range cannot be read: lock one far past the text

try:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError when held

except ImportError:  # Windows (untested here): a byte-range lock, also dropped when its holder dies
    import msvcrt

    def _try_lock(fd: int) -> None:
        os.lseek(fd, _FAR, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            raise BlockingIOError from None


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written into the lock file."""

    pid: int | None
    host: str
    started: str
    command: str

    @staticmethod
    def me() -> Holder:
        started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        command = " ".join(["pmforge", *sys.argv[1:]]) if sys.argv else "pmforge"
        return Holder(os.getpid(), socket.gethostname(), started, command)

    @staticmethod
    def parse(text: str) -> Holder | None:
        try:
            data = json.loads(text)
            return Holder(int(data["pid"]), str(data["host"]), str(data["started"]), str(data["command"]))
        except (ValueError, KeyError, TypeError):
            return None  # the holder has the lock but has not written its name yet

    def text(self) -> str:
        return json.dumps({"pid": self.pid, "host": self.host, "started": self.started, "command": self.command}) + "\n"

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started}, running {self.command!r}"


class LockBusy(Exception):
    """Someone else held the lock for the whole wait."""

    def __init__(self, holder: Holder | None) -> None:
        super().__init__(holder.describe() if holder else "another pmforge process")
        self.holder = holder


class OutputLock:
    """An exclusive lock on ``path``; the file is removed again on release."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, *, wait_s: float) -> None:
        """Take the lock, waiting up to ``wait_s`` seconds; raise LockBusy after that."""
        deadline = time.monotonic() + wait_s
        while True:
            fd = self._open()
            if fd is None:  # the folder went away under us (a holder releasing it): try again, for a while
                if time.monotonic() >= deadline:
                    raise FileNotFoundError(errno.ENOENT, "the lock's folder keeps disappearing", str(self.path.parent))
                continue
            try:
                _try_lock(fd)
            except BlockingIOError:
                holder = Holder.parse(_read(fd))
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise LockBusy(holder) from None
                time.sleep(POLL_S)
                continue
            if not self._still_there(fd):
                os.close(fd)  # we locked a file its last holder had already removed
                continue
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, Holder.me().text().encode("utf-8"))
            self._fd = fd
            return

    def release(self) -> None:
        if self._fd is None:
            return
        # Remove the file while still holding it: a waiter that opened it sees it is gone and retries.
        try:
            os.unlink(self.path)
        except OSError:
            pass  # gone already, or (Windows) an open file cannot be removed: the next holder reuses it
        os.close(self._fd)
        self._fd = None
        try:
            self.path.parent.rmdir()  # the work folder, when nothing else is left in it
        except OSError:
            pass

    def _open(self) -> int | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)  # cannot be made at all: the caller's OSError
        try:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
            return os.open(self.path, flags, 0o644)
        except FileNotFoundError:
            return None

    def _still_there(self, fd: int) -> bool:
        try:
            return os.stat(self.path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 4096).decode("utf-8", "replace")
    except OSError:
        return ""
