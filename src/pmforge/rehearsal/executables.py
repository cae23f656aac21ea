"""Find a Node command-line tool that npm installed: an env override, node_modules/.bin, or PATH.

Newman and the Postman CLI are found the same way; each module names its command, its override
variable and the exception it raises when the tool is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

_LOCAL_BIN = Path("node_modules") / ".bin"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _local_candidates(command: str, start: Path) -> list[Path]:
    names = [f"{command}.cmd", command] if os.name == "nt" else [command]
    return [directory / _LOCAL_BIN / name for directory in (start, *start.parents) for name in names]


def find_executable(command: str, *, override: str, missing: Callable[[str], Exception],
                    environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """``$override``, else the nearest node_modules/.bin/COMMAND above the current directory or this
    package's source, else COMMAND on PATH. Raises ``missing(reason)`` when none is there."""
    environ = os.environ if environ is None else environ
    value = environ.get(override)
    if value:
        if Path(value).is_file():
            return Path(value)
        on_path = shutil.which(value, path=environ.get("PATH"))
        if on_path is None:
            raise missing(f"{override}={value} is not an executable file")
        return Path(on_path)
    # An editable install lives in the repository, whose node_modules `npm ci` filled.
    for start in ((cwd or Path.cwd()).resolve(), _PACKAGE_DIR):
        for candidate in _local_candidates(command, start):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    on_path = shutil.which(command, path=environ.get("PATH"))
    if on_path is None:
        raise missing(f"{command} is not installed: no node_modules/.bin/{command} here or above, none on PATH")
    return Path(on_path)
