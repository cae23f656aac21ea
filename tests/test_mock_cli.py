"""``pmforge mock`` on the command line."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from pmforge.mock.cli import mock
from pmforge.mock.client import send
from tests.mock_process import mock_process


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
    with mock_process("--port", "0", "--polls-to-finish", "3") as process:
        assert process.first_line.startswith("pmforge mock listening on http://127.0.0.1:")
        assert send("GET", f"{process.url}/nothing").status == 404
    stdout, stderr = process.stdout, process.stderr
    assert process.returncode == 0
    assert stdout == ""
    assert "Traceback" not in stderr
    assert stderr.startswith("GET /nothing 404 ")
