"""Debian's chromium, headless: load a page from file://, return its DOM and console messages, take a screenshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
]
# How chromium logs a page's console with --enable-logging=stderr: [pid:tid:time:LEVEL:CONSOLE(:line)] "text", source: URL (line)
CONSOLE = re.compile(r"^\[[^\]]*:CONSOLE[^\]]*\] \"(.*)\", source: (.*)$", re.MULTILINE)


def find_chromium() -> str:
    """The chromium binary; skipped when absent, except under CI=true (where .ci/run installs it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing under CI (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    return found


@dataclass
class Page:
    dom: str
    console: list[str]


def _run(page: Path, *extra: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile.") as profile:
        return subprocess.run(
            [find_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, cwd=cwd, check=False,
        )


def load(page: Path) -> Page:
    """The page's DOM after loading, and every console message it logged."""
    done = _run(page, "--dump-dom", cwd=page.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return Page(done.stdout, [f"{text} ({source})" for text, source in CONSOLE.findall(done.stderr)])


def screenshot(page: Path, target: Path, *, width: int = 1200, height: int = 1600) -> Path:
    """A PNG of the page's first ``height`` pixels."""
    done = _run(page, f"--screenshot={target.resolve()}", f"--window-size={width},{height}", cwd=target.parent)
    assert done.returncode == 0 and target.is_file(), done.stderr[-2000:]
    return target
