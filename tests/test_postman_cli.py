"""Finding and starting the Postman CLI (npm package postman-cli, pinned in package.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmforge.rehearsal.postman_cli import POSTMAN_CLI_VERSION, PostmanMissing, find_postman, run_postman
from tests.conftest import REPO, required_tool


def postman_or_skip() -> Path:
    """The Postman CLI; a skip without it, except under CI=true, where it must be there."""
    return required_tool(find_postman, PostmanMissing, "the Postman CLI")


def test_package_json_pins_the_version_the_code_names() -> None:
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    assert package["devDependencies"]["postman-cli"] == POSTMAN_CLI_VERSION
    assert lock["packages"]["node_modules/postman-cli"]["version"] == POSTMAN_CLI_VERSION
    # `npm ci` refuses a lock without every platform's binary package, even those it will not install.
    binaries = lock["packages"]["node_modules/postman-cli"]["optionalDependencies"]
    assert {name: lock["packages"].get(f"node_modules/{name}", {}).get("version") for name in binaries} == {
        name: POSTMAN_CLI_VERSION for name in binaries}


def test_the_override_wins_and_a_bad_one_says_so(tmp_path: Path) -> None:
    fake = tmp_path / "my-postman"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    assert find_postman(environ={"PMFORGE_POSTMAN": str(fake)}) == fake
    with pytest.raises(PostmanMissing) as caught:
        find_postman(environ={"PMFORGE_POSTMAN": str(tmp_path / "none")})
    assert caught.value.reason == f"PMFORGE_POSTMAN={tmp_path / 'none'} is not an executable file"
    assert "npm ci" in str(caught.value) and f"postman-cli@{POSTMAN_CLI_VERSION}" in str(caught.value)


def test_the_nearest_node_modules_bin_is_found(tmp_path: Path) -> None:
    local = tmp_path / "node_modules" / ".bin" / "postman"
    local.parent.mkdir(parents=True)
    local.write_text("#!/bin/sh\n", encoding="utf-8")
    local.chmod(0o755)
    deeper = tmp_path / "a" / "b"
    deeper.mkdir(parents=True)
    assert find_postman(environ={"PATH": ""}, cwd=deeper) == local


def test_a_launcher_that_cannot_start_is_postman_missing(tmp_path: Path) -> None:
    with pytest.raises(PostmanMissing) as caught:
        run_postman(["--version"], postman=tmp_path / "gone")
    assert caught.value.reason.startswith(f"cannot run {tmp_path / 'gone'}: ")


def test_the_real_cli_runs_with_its_home_where_we_say(tmp_path: Path) -> None:
    postman = postman_or_skip()
    completed = run_postman(["--version"], home=tmp_path, postman=postman, timeout_s=60)
    assert (completed.returncode, completed.stdout.strip()) == (0, POSTMAN_CLI_VERSION)
    assert (tmp_path / ".postman").is_dir()
