"""A seeded mutator over real inputs: whatever it makes, pmforge answers with located problems, never a traceback.

Inputs: the bundled course and its roster, and the exported collections in
../shared/aep-postman-samples. Each case mutates one file's text (spans
deleted, repeated or swapped; hostile fragments inserted: control characters,
lone-surrogate escapes, deep brackets, long numbers, participant placeholders,
look-alike letters) and runs one command in-process. Asserted every time: no
exception escapes, the exit code is 0 or 1, every problem line is
``FILE:LINE:COL: (error|warning): ... [rule]`` with a line inside the file,
and a build or import that reports errors writes nothing.

CI runs a fixed seed and a small count; ``PMFORGE_FUZZ_CASES=5000`` (and
``PMFORGE_FUZZ_SEED``) run it longer by hand.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmforge.cli import main
from pmforge.resources import bundled_course
from tests.conftest import shared_file

CASES = int(os.environ.get("PMFORGE_FUZZ_CASES", "40"))  # per target
SEED = int(os.environ.get("PMFORGE_FUZZ_SEED", "20261130"))
PROBLEM = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?:error|warning): .+ \[[a-z0-9-]+\]")

FRAGMENTS = [
    "\x00", "\x01", "\x0c", "\x7f", "\r", "\n", "\t", "\u2028", "\ufeff", '"', "'", ",", ":", "- ", "{", "}", "[", "]",
    "\\ud800", "\\udfff", "${ldap}", "${nope}", "$${", "{{X}}", "&a ", "*a", "!!binary ", "!!int ", ".nan", "~",
    "9" * 4400, "1e999", "-0", "[" * 150, "{" * 150, "(" * 60, "not " * 60, "CON", "ａｂｃ", "é", "\U0001f600", "\\",
]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(5)
        if kind == 0:
            text = text[:at] + rng.choice(FRAGMENTS) + text[at:]
        elif kind == 1:
            text = text[:at] + text[at + rng.randint(1, 40):]
        elif kind == 2:
            end = min(len(text), at + rng.randint(1, 200))
            text = text[:end] + text[at:end] * rng.randint(1, 3) + text[end:]
        elif kind == 3:
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            text = text[:at]
    return text


def _lines(path: Path) -> int:
    """Lines as an editor counts them: at LF, and in CSV (where the reader ends a row there too) at a lone CR."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return 0
    return len(re.findall("\r\n|\r|\n" if path.suffix == ".csv" else "\n", text)) + 1


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=True, prog_name="pmforge")
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"pmforge {' '.join(a[:60] for a in args)} raised {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1), (args, result.exit_code, result.output)
    return result.exit_code, result.stdout, result.stderr


def check_problems(output: str, cwd: Path) -> None:
    for line in output.splitlines():
        if not line or line.startswith(("<expression>", "<json>", "wrote ", "ok: ")) or re.fullmatch(r"\d+ (problems?|error).*", line):
            continue
        match = PROBLEM.fullmatch(line)
        if match is None:
            continue  # course YAML on stdout (import), PQL text, carets
        path = cwd / match["file"]
        if path.is_file():
            assert 1 <= int(match["line"]) <= _lines(path), line
            assert int(match["column"]) >= 1, line


def _samples() -> list[Path]:
    names = ["postman-samples_Segmentation_Service_API.postman_collection.json",
             "workshop201901_PlatformSummit.postman_collection.json",
             "postman-samples_Deep_Dive.postman_environment.json",
             "course/platform-learn_tutorial-comprehensive-technical-v21__Adobe_Experience_Platform_Enablement.postman_collection.json"]
    return [shared_file(f"aep-postman-samples/{name}") for name in names]


def _course_texts() -> tuple[str, str]:
    course = bundled_course()
    return course.read_text(encoding="utf-8"), (course.parent / "roster.csv").read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogatepass"))


SETTINGS = """rules:
  no-test: off
  secret: warning
overrides:
  - files: ["*.postman_collection.json"]
    rules: {headers: error, unknown-key: on}
"""


@pytest.mark.parametrize("target", ["course", "roster", "yaml-roster", "collection", "lint-settings", "pql"])
def test_fuzz(tmp_path: Path, target: str) -> None:
    rng = random.Random(f"{SEED}-{target}")
    course, roster = _course_texts()
    samples = [path.read_text(encoding="utf-8") for path in _samples()]
    for case in range(CASES):
        work = tmp_path / str(case)
        work.mkdir()
        _write(work / "course.yaml", course)
        _write(work / "roster.csv", roster)
        if target == "course":
            _write(work / "course.yaml", mutate(course, rng))
        elif target == "roster":
            _write(work / "roster.csv", mutate(roster, rng))
        elif target == "yaml-roster":
            rows = "".join(f"- {{ldap: '{row.split(',')[0]}'}}\n" for row in roster.splitlines()[1:] if row)
            _write(work / "roster.csv", "")
            _write(work / "class.yaml", mutate(rows, rng))
        if target in ("course", "roster", "yaml-roster"):
            extra = ["--roster", "class.yaml"] if target == "yaml-roster" else []
            code, out, _ = run(["validate", "course.yaml", *extra], work)
            check_problems(out, work)
            code, out, _ = run(["build", "course.yaml", *extra, "--collection-format", "both", "--out", "out"], work)
            check_problems(out, work)
            assert (work / "out").exists() == (code == 0), out
        elif target == "collection":
            source = rng.choice(samples)
            name = "x.postman_environment.json" if '"values"' in source[:400] else "x.postman_collection.json"
            _write(work / name, mutate(source, rng))
            code, out, _ = run(["lint", name], work)
            check_problems(out, work)
            if name.endswith("collection.json"):
                code, _, err = run(["import", name, "-o", "course.yaml", "--force"], work)  # course.yaml is there: overwritten only on success
                check_problems(err, work)
                if code == 0:  # what import writes, validate reads without a traceback
                    run(["validate", "course.yaml", "--roster", "roster.csv"], work)
                else:
                    assert (work / "course.yaml").read_text(encoding="utf-8") == course
        elif target == "lint-settings":
            _write(work / ".pmforge-lint.yaml", mutate(SETTINGS, rng))
            _write(work / "x.postman_collection.json", samples[0])
            code, out, _ = run(["lint", "."], work)
            check_problems(out, work)
        else:
            text = rng.choice(['person.gender in ["female"] and not(a.b = 1.5)', 'x.get("k").startsWith("a", false) or y notIn [1, 2]'])
            run(["pql", "compile", "--", mutate(text, rng)], work)  # a text may start with "-"
            tree = '{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"a","object":{"nodeType":"literal","literalType":"XDMObject","value":"profile"}},{"nodeType":"literal","literalType":"Integer","value":1}]}'
            run(["pql", "explain", "--", mutate(tree, rng)], work)
