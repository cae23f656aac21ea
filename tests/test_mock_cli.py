"""``pmforge mock`` on the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pmforge.mock.cli import mock
from pmforge.mock.client import send

SRC = Path(__file__).resolve().parents[1] / "src"


def test_port_in_use_is_one_line_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(mock, ["--port", str(port)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_bad_polls_to_finish_is_a_usage_error() -> None:
    result = CliRunner().invoke(mock, ["--polls-to-finish", "0"])
    assert result.exit_code == 2
    assert "--polls-to-finish" in result.stderr


def test_serves_logs_and_stops_cleanly_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-c", "from pmforge.mock.cli import mock; mock()", "--port", "0", "--polls-to-finish", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("pmforge mock listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert send("GET", f"{url}/nothing").status == 404
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert stdout == ""
    assert "Traceback" not in stderr
    assert stderr.startswith("GET /nothing 404 ")
