"""Write a class of files aside, then move it into place in one step.

A build writes into a fresh directory next to the target and renames it over
the target only once every file is there: an interrupted or failed build leaves
the previous output as it was, and never a half-written class.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from pmforge.problems import Problem

MARKER = ".pmforge"
MARKER_TEXT = "Written by pmforge build. pmforge replaces this directory as a whole on the next build.\n"


def refusal(out_dir: Path) -> Problem | None:
    """Why ``out_dir`` must not be replaced: it holds files pmforge did not write."""
    if out_dir.exists() and not out_dir.is_dir():
        return Problem(str(out_dir), 0, 0, "output path exists and is not a directory", "output")
    if out_dir.is_dir() and not (out_dir / MARKER).is_file() and any(out_dir.iterdir()):
        return Problem(str(out_dir), 0, 0, f"refusing to replace a non-empty directory that pmforge did not write (no {MARKER} file); choose another --out", "output")
    return None


class Staging:
    """A directory being filled beside ``target``; ``commit`` puts it in place."""

    def __init__(self, target: Path) -> None:
        self.target = target.resolve()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent))
        self._made: set[Path] = set()

    def write(self, relative: str, text: str) -> None:
        path = self.path / relative
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)

    def write_bytes(self, relative: str, data: bytes) -> None:
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def commit(self) -> None:
        (self.path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        os.chmod(self.path, 0o755)  # mkdtemp makes it private; output is for sharing
        old = None
        if self.target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".old", dir=self.target.parent))
            os.replace(self.target, old / "previous")
        os.replace(self.path, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_text_atomically(path: Path, text: str) -> Problem | None:
    """Write ``path`` whole or not at all: aside first, then renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        return Problem(str(path), 0, 0, f"cannot write: {error.strerror or error}", "output")
    return None
