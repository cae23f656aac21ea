"""``pmforge mock`` as its own process, for the tests that need its command line and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass
class MockProcess:
    url: str
    first_line: str
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = field(default=None)


@contextmanager
def mock_process(*args: str) -> Iterator[MockProcess]:
    """Start ``pmforge mock ARGS``, yield its URL; on leaving, Ctrl-C it and collect its output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", "from pmforge.mock.cli import mock; mock()", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        running = MockProcess(url=line.split()[-1] if line.strip() else "", first_line=line)
        yield running
        process.send_signal(signal.SIGINT)
        running.stdout, running.stderr = process.communicate(timeout=10)
        running.returncode = process.returncode
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
