"""The built wheel carries templates, schemas and the course: pmforge runs from any directory."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_installs_into_a_fresh_venv_and_builds(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("pmforge-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "pmforge/rehearsal/runner.js" in archive.namelist()  # rehearse's Node runner
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies come from this interpreter, appended after the venv's own
    # site-packages, so the venv's pmforge (from the wheel) is the one imported.
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)

    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run([str(python), "-c", "import pmforge; print(pmforge.__file__)"], cwd=empty, check=True, capture_output=True, text=True)
    assert where.stdout.startswith(str(site))
    result = subprocess.run([str(env_dir / "bin" / "pmforge"), "build"], cwd=empty, capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "wrote 6 files for 3 participants to out\n")
    assert len(list((empty / "out").glob("*/*.json"))) == 6
