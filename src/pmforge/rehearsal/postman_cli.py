"""Find the Postman CLI (npm package ``postman-cli``) and run one of its commands.

The CLI writes ``~/.postman`` (settings, logs) wherever it runs, so every run here gets its own
HOME: a given folder, or a temporary one that is removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from pmforge.rehearsal.executables import find_executable

POSTMAN_CLI_VERSION = "1.34.0"
ENV_OVERRIDE = "PMFORGE_POSTMAN"
INSTALL_HINT = (f"install it with `npm ci` in the pmforge repository (package.json pins postman-cli "
                f"{POSTMAN_CLI_VERSION}), or `npm install -g postman-cli@{POSTMAN_CLI_VERSION}`; "
                f"or point {ENV_OVERRIDE} at a postman executable")


class PostmanMissing(Exception):
    """The Postman CLI could not be found or started: the message says why and how to install it."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}; {INSTALL_HINT}")
        self.reason = reason


def find_postman(*, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The Postman CLI to run: $PMFORGE_POSTMAN, else the nearest node_modules/.bin/postman above the
    current directory or this package's source, else ``postman`` on PATH. Raises PostmanMissing."""
    return find_executable("postman", override=ENV_OVERRIDE, missing=PostmanMissing, environ=environ, cwd=cwd)


def run_postman(args: Sequence[str], *, home: Path | None = None, postman: Path | None = None,
                cwd: Path | None = None, timeout_s: float = 300.0) -> subprocess.CompletedProcess[str]:
    """Run ``postman ARGS`` with HOME set to ``home`` (a fresh temporary folder when None) and
    return what it did; a non-zero exit is the caller's to judge. Raises PostmanMissing when the
    CLI cannot be started, and subprocess.TimeoutExpired after ``timeout_s``."""
    executable = postman or find_postman()
    with tempfile.TemporaryDirectory(prefix="pmforge-postman-home-") as scratch:
        environ = {**os.environ, "HOME": str(home or scratch), "NO_COLOR": "1"}
        try:
            return subprocess.run([str(executable), *args], capture_output=True, text=True, encoding="utf-8",
                                  errors="replace", cwd=cwd, env=environ, timeout=timeout_s, check=False)
        except FileNotFoundError as error:
            # Also what a missing `node` looks like: the launcher starts with `#!/usr/bin/env node`.
            raise PostmanMissing(f"cannot run {executable}: {error.strerror} (is Node.js on PATH?)") from None
        except PermissionError as error:
            raise PostmanMissing(f"cannot run {executable}: {error.strerror}") from None
