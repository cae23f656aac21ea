"""Write a class of files aside, then swap it into place in one step.

A build writes into a staging folder inside the output's work folder
(``.NAME.pmforge-work`` beside ``--out NAME``) and swaps it with the old output
only once every file is there (see ``swapping``): a reader sees the old class
or the new one, never half of one, and a killed build leaves the old class.

pmforge only ever replaces a folder it wrote. Its marker file ``.pmforge``
lists every file pmforge put there (the build's own, and those added later
with ``add_file``); a folder holding anything else, the current folder, or a
folder holding the build's own inputs is refused. One build at a time per
output (``locking``); leftovers of killed builds are removed under that lock.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterable

from pmforge.locking import LockBusy, OutputLock
from pmforge.problems import Problem
from pmforge.swapping import put_in_place

MARKER = ".pmforge"
MARKER_TEXT = "Written by pmforge build. pmforge replaces this directory as a whole on the next build.\n"
_MANIFEST_HEADING = "Files pmforge wrote here, one JSON string a line; anything else makes a build refuse to replace it:\n"
# What pmforge builds wrote before markers listed their files: <ldap>/<name>.postman_<kind>.json.
_LEGACY_FILE = re.compile(r"[^/]+/[^/]+\.postman_(?:collection|environment)\.json")
_LEFTOVER = re.compile(r"(?:staging|previous|add)-[A-Za-z0-9_-]+")
LOCK_WAIT_S = 10.0
_SHOWN_FOREIGN = 3


class OutputError(Exception):
    """A folder pmforge must not write, or cannot: the problem says which and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def work_dir(target: Path) -> Path:
    """pmforge's own folder beside ``target``: the lock, staging folders, the old output on its way out."""
    return target.parent / f".{target.name}.pmforge-work"


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def manifest(out_dir: Path) -> set[str] | None:
    """The files pmforge recorded in ``out_dir``'s marker; None for a marker without a list (older pmforge)."""
    text = (out_dir / MARKER).read_text(encoding="utf-8", errors="replace")
    if _MANIFEST_HEADING not in text:
        return None
    files = set()
    for line in text.split(_MANIFEST_HEADING, 1)[1].splitlines():
        try:
            name = json.loads(line)
        except ValueError:
            continue
        if isinstance(name, str):
            files.add(name)
    return files


def _marker_text(files: Iterable[str]) -> str:
    return MARKER_TEXT + _MANIFEST_HEADING + "".join(json.dumps(name, ensure_ascii=False) + "\n" for name in sorted(files))


def _foreign(out_dir: Path, known: set[str] | None) -> list[str]:
    """Entries of ``out_dir`` pmforge did not write, as relative paths, sorted."""
    found = []
    stack = [("", str(out_dir))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((relative + "/", entry.path))
                elif relative == MARKER or (relative in known if known is not None else _LEGACY_FILE.fullmatch(relative)):
                    continue
                else:
                    found.append(relative)  # a file, or a link: pmforge writes no links, and never follows one
    return sorted(found)


def refusal(out_dir: Path, inputs: Iterable[Path] = (), *, look_inside: bool = True) -> Problem | None:
    """Why ``out_dir`` must not be replaced by a build, or None.

    ``look_inside=False`` checks only where it is, not what it holds (a quick check before the inputs are all known).
    """

    try:
        return _refusal(out_dir, inputs, look_inside=look_inside)
    except OSError as error:  # a name too long, a folder we may not list
        return Problem(str(out_dir), 0, 0, f"cannot use this --out: {error.strerror or error}", "output")


def _current_folder() -> Path | None:
    try:
        return Path.cwd().resolve()
    except OSError:
        return None  # it was removed: there is nothing left there to protect


def _refusal(out_dir: Path, inputs: Iterable[Path], *, look_inside: bool) -> Problem | None:
    def refuse(message: str) -> Problem:
        return Problem(str(out_dir), 0, 0, message, "output")

    target = _resolved(out_dir)
    here = _current_folder()
    if here is not None and _is_within(here, target):
        return refuse("--out is the current folder or holds it; a build replaces --out as a whole, so give it a folder of its own, such as --out class")
    for given in inputs:
        path = _resolved(given)
        if _is_within(path, target):
            held = path.relative_to(target).as_posix() if path != target else path.name
            return refuse(f"--out holds {held}, an input of this build; a build replaces --out as a whole, so give it a folder of its own")
    if os.path.lexists(target) and not target.is_dir():
        return refuse("output path exists and is not a directory")
    if not target.is_dir() or not look_inside:
        return None
    if not (target / MARKER).is_file():
        if any(target.iterdir()):
            return refuse(f"refusing to replace a non-empty directory that pmforge did not write (no {MARKER} file); choose another --out")
        return None
    foreign = _foreign(target, manifest(target))
    if foreign:
        shown = ", ".join(foreign[:_SHOWN_FOREIGN]) + (f" (and {len(foreign) - _SHOWN_FOREIGN} more)" if len(foreign) > _SHOWN_FOREIGN else "")
        return refuse(f"refusing to replace a directory holding files pmforge did not write: {shown}; move them away or choose another --out")
    return None


def _hook(point: str) -> None:
    """Test hooks (PMFORGE_TEST_HOOKS=kill@POINT or pause@POINT): die or wait for stdin at a named point."""
    hooks = os.environ.get("PMFORGE_TEST_HOOKS", "").split(",")
    if f"pause@{point}" in hooks:
        print(f"pmforge: paused at {point}", file=sys.stderr, flush=True)
        sys.stdin.read()
    if f"kill@{point}" in hooks:
        os.kill(os.getpid(), signal.SIGKILL)


def _locked(target: Path, out_dir: Path) -> OutputLock:
    lock = OutputLock(work_dir(target) / "lock")
    try:
        lock.acquire(wait_s=float(os.environ.get("PMFORGE_LOCK_WAIT", LOCK_WAIT_S)))
    except LockBusy as busy:
        raise OutputError(Problem(str(out_dir), 0, 0, f"another pmforge build is writing here ({busy}); try again when it has finished", "output")) from None
    return lock


def _legacy_leftovers(target: Path) -> list[Path]:
    """What an older pmforge (before the work folder) left beside ``target`` when killed, holding only its files:
    ``.NAME.XXXXXXXX.tmp`` (staging) and ``.NAME.XXXXXXXX.old/previous`` (the old class)."""
    pattern = re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}\.(?:tmp|old)")
    found = []
    for entry in target.parent.iterdir():
        if not pattern.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        inner = entry / "previous" if entry.name.endswith(".old") else entry
        if entry.name.endswith(".old") and [p.name for p in entry.iterdir()] not in ([], ["previous"]):
            continue
        if not inner.is_dir() or inner.is_symlink() or not _foreign(inner, None):
            found.append(entry)
    return sorted(found)


def _clean_leftovers(target: Path) -> None:
    """Under the lock: put back an old output a killed build left aside, and remove staging folders."""
    for entry in _legacy_leftovers(target):
        previous = entry / "previous"
        if not os.path.lexists(target) and (previous / MARKER).is_file():
            os.rename(previous, target)  # an older pmforge died between its two renames
        shutil.rmtree(entry, ignore_errors=True)
    work = work_dir(target)
    entries = sorted(work.iterdir()) if work.is_dir() else []
    if not os.path.lexists(target):
        for entry in entries:
            if entry.name.startswith("previous-") and (entry / MARKER).is_file():
                os.rename(entry, target)  # a build died between its two renames: the old class comes back
                break
    for entry in entries:
        if not _LEFTOVER.fullmatch(entry.name) or not os.path.lexists(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _safe_relative(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if not relative or "\\" in relative or "\x00" in relative or path.is_absolute() or any(part in ("", ".", "..") for part in relative.split("/")) or str(path) == MARKER:
        raise ValueError(f"not a relative file path inside an output: {relative!r}")
    return path


class Staging:
    """A folder being filled for ``target``; ``commit`` swaps it into place, ``discard`` drops it.

    Holds ``target``'s lock from creation to commit or discard, so it raises
    OutputError when another build holds it, or when ``target`` must not be replaced.
    """

    def __init__(self, target: Path, *, inputs: Iterable[Path] = ()) -> None:
        self.given = target
        self.target = _resolved(target)
        self.inputs = list(inputs)
        self._check()
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _locked(self.target, target)
        try:
            _clean_leftovers(self.target)
            self._check()
            self.path = Path(tempfile.mkdtemp(prefix="staging-", dir=work_dir(self.target)))
        except BaseException:
            self._lock.release()
            raise
        _hook("locked")
        self.files: list[str] = []
        self._made: set[Path] = set()
        self.discarded = False

    def _check(self) -> None:
        refused = refusal(self.given, self.inputs)
        if refused:
            raise OutputError(refused)

    def write(self, relative: str, text: str) -> None:
        self.write_bytes(relative, text.encode("utf-8"))

    def write_bytes(self, relative: str, data: bytes) -> None:
        path = self.path / _safe_relative(relative)
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        path.write_bytes(data)
        self.files.append(str(PurePosixPath(relative)))
        if len(self.files) == 1:
            _hook("staged")

    def commit(self) -> None:
        try:
            (self.path / MARKER).write_text(_marker_text(self.files), encoding="utf-8")
            os.chmod(self.path, 0o755)  # mkdtemp makes it private; output is for sharing
            self._check()  # a file may have been dropped into the old output while we wrote
            _hook("complete")
            aside = work_dir(self.target) / f"previous-{os.getpid()}-{secrets.token_hex(4)}"
            old = put_in_place(self.path, self.target, aside=aside, between=lambda: _hook("between-renames"))
            _hook("swapped")
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            self.discard()
            raise
        self._lock.release()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.release()
        self.discarded = True


@contextmanager
def staged(out_dir: Path, *, inputs: Iterable[Path] = ()) -> Iterator[Staging]:
    """A Staging for ``out_dir``, swapped into place when the block ends, unless the block raised or
    called ``discard``: then nothing changes. Whatever stops the writing comes out as OutputError with
    its problem: a folder that must not be replaced, another build at work, the file system's refusal."""
    try:
        staging = Staging(out_dir, inputs=inputs)
    except OSError as error:
        raise OutputError(Problem(str(out_dir), 0, 0, f"cannot write here: {error.strerror}", "output")) from None
    try:
        yield staging
        if not staging.discarded:
            staging.commit()
    except OSError as error:
        staging.discard()
        raise OutputError(Problem(str(out_dir), 0, 0, f"cannot write: {error.strerror or error}", "output")) from None
    except BaseException:
        staging.discard()
        raise


def add_file(out_dir: Path, relative: str, data: str | bytes) -> Path:
    """Write one file into an existing pmforge output, whole or not at all, and record it as pmforge's.

    Raises OutputError when ``out_dir`` is not a pmforge output or is busy, and
    ValueError for a path that is not plainly inside it.
    """
    name = _safe_relative(relative)
    target = _resolved(out_dir)
    if not (target / MARKER).is_file() or (target / MARKER).is_symlink():
        raise OutputError(Problem(str(out_dir), 0, 0, f"not a pmforge output (no {MARKER} file)", "output"))
    lock = _locked(target, out_dir)
    try:
        destination = target / name
        folder = target
        for part in name.parts[:-1]:
            folder = folder / part
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise OutputError(Problem(str(out_dir / relative), 0, 0, "a part of this path is a link or a file", "output"))
        known = manifest(target)
        if known is None:
            known = {path for path in (str(p.relative_to(target).as_posix()) for p in target.rglob("*") if p.is_file()) if _LEGACY_FILE.fullmatch(path)}
        if (destination.exists() or destination.is_symlink()) and str(name) not in known:
            # Someone else's file: replacing it would hand it to the next build, which would delete it.
            raise OutputError(Problem(str(out_dir / relative), 0, 0, "holds a file pmforge did not write; move it away first", "output"))
        # The list first, then the file: a kill in between leaves a name without a file, never a file without a name.
        _replace(target / MARKER, _marker_text(known | {str(name)}).encode("utf-8"), work_dir(target))
        destination.parent.mkdir(parents=True, exist_ok=True)
        _replace(destination, data.encode("utf-8") if isinstance(data, str) else data, work_dir(target))
    finally:
        lock.release()
    return destination


def _replace(path: Path, data: bytes, scratch: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix="add-", dir=scratch)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str) -> Problem | None:
    """Write ``path`` whole or not at all: aside first, then renamed over it; nothing is left aside."""
    temporary = None
    try:
        if not os.path.lexists(path.parent):  # a file in its place is for mkstemp to name: "Not a directory"
            path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        return Problem(str(path), 0, 0, f"cannot write: {error.strerror or error}", "output")
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return None
