"""Bad input: a clear problem with file, line and column; exit 1; nothing written; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import edit_course

# The test course's expression line, which the PQL cases replace.
TREE_LINE = "value: '{\"nodeType\":\"literal\",\"literalType\":\"Boolean\",\"value\":true}'"

# (case, replacements in course.yaml, roster.csv text or None, expected stdout)
CASES = [
    ("yaml-syntax", [("  sandbox: prod\n", "  sandbox: [prod\n")], None,
     "course.yaml:6:12: error: YAML syntax error: while parsing a flow sequence expected ',' or ']', but got ':' [yaml-syntax]\n"),
    ("duplicate-key", [("        method: GET\n", "        method: GET\n        method: POST\n")], None,
     "course.yaml:39:9: error: duplicate key 'method' (first defined on line 38) [duplicate-key]\n"),
    ("unknown-key", [("        keep: {SEGMENT_ID: id}\n", "        kep: {SEGMENT_ID: id}\n")], None,
     "course.yaml:36:9: error: unknown key 'kep'; did you mean 'keep'? [course-schema]\n"),
    ("missing-field", [("        method: GET\n", "")], None,
     "course.yaml:37:9: error: missing required field 'method' in folders[0].requests[1] [course-schema]\n"),
    ("pql-not-json", [("'{\"nodeType\":\"literal\",\"literalType\":\"Boolean\",\"value\":true}'", "'{nodeType: literal}'")], None,
     "course.yaml:32:22: error: the pql/json value is not a JSON-encoded tree: expected a key in double quotes [pql-json]\n"),
    ("pql-unknown-node", [("\"nodeType\":\"literal\"", "\"nodeType\":\"literl\"")], None,
     "course.yaml:32:33: error: PQL tree: nodeType: 'literl' is not one of 'fnApply', 'fieldLookup', 'literal', 'parameterReference', 'select', 'varDecl', 'varRef', 'lambda', 'occurs', 'timeQualification', 'duration', 'chain', 'element' [pql-tree]\n"),
    ("pql-unknown-field", [(TREE_LINE, 'pql: person.gendr in ["female"]')], None,
     "course.yaml:32:18: error: PQL: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"),
    ("pql-bad-value", [(TREE_LINE, 'pql: person.name.lastName = "x" and person.gender in ["femal"]')], None,
     "course.yaml:32:67: error: PQL: `\"femal\"` is not an allowed value of `person.gender`; did you mean `female`? (allowed: male, female, not_specified, non_specific) [pql-value]\n"),
    ("pql-syntax", [(TREE_LINE, "pql: 'person.gender in (\"female\"'")], None,
     "course.yaml:32:45: error: PQL: expected `)` or an operator, found end of expression [pql-syntax]\n"),
    ("pql-block-scalar", [(TREE_LINE, 'pql: |\n              person.gender = "male" or\n              loyalty.points like "1%"')], None,
     "course.yaml:34:30: error: PQL: `like` is outside the PQL subset pmforge compiles; send it as pql/text [pql-unsupported]\n"),
    ("pql-tree-unknown-field", [(TREE_LINE, 'value: \'{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"gendr","object":{"nodeType":"fieldLookup","fieldName":"person","object":{"nodeType":"parameterReference","position":1}}},{"nodeType":"literal","literalType":"String","value":"male"}]}\'')], None,
     "course.yaml:32:20: error: PQL: unknown field `person.gendr`; did you mean `person.gender`? [pql-field]\n"),
    ("pql-both", [(TREE_LINE, 'pql: person.gender = "male"\n            value: x')], None,
     "course.yaml:32:13: error: give the expression as pql (text) or as value, not both [pql-value]\n"),
    ("next-request-unknown", [("        expect: {status: 200}\n", "        expect: {status: 200}\n        scripts: {test: 'pm.execution.setNextRequest(\"Reed\");'}\n")], None,
     "course.yaml:41:55: error: setNextRequest('Reed') names no request: Newman would stop here, exit 0; did you mean 'Read'? [next-request]\n"),
    ("body-and-form", [("        keep: {SEGMENT_ID: id}\n", "        keep: {SEGMENT_ID: id}\n        form: {a: b}\n")], None,
     "course.yaml:37:9: error: a request has one body: body and form cannot both be given [course-schema]\n"),
    ("form-without-content-type", [("        expect: {status: 200}\n", "        expect: {status: 200}\n        form: {grant_type: client_credentials}\n")], None,
     "course.yaml:37:9: error: request 'Read': missing required field 'content-type' in headers [headers]\n"),
    ("poll-without-until", [("        expect: {status: 200}\n", "        expect: {status: 200}\n        poll: {field: status}\n")], None,
     "course.yaml:41:15: error: missing required field 'until' in folders[0].requests[1].poll [course-schema]\n"),
    ("body-not-json", [("          ttlInDays: 30\n", "          ttlInDays: .nan\n          extra: !!binary aGVsbG8=\n")], None,
     "course.yaml:35:22: error: nan is not a JSON number [body-json]\n"
     "course.yaml:36:18: error: a bytes value cannot be sent as JSON [body-json]\n"),
    ("non-string-key", [("          Content-Type: application/json\n", "          Content-Type: application/json\n          404: x\n")], None,
     "course.yaml:27:11: error: a key must be a string: write '404' in quotes [yaml-syntax]\n"),
    ("pql-not-text", [(TREE_LINE, "pql: 5")], None,
     "course.yaml:32:18: error: pql holds PQL text, a string [pql-value]\n"),
    ("ttl-string", [("ttlInDays: 30", "ttlInDays: \"30\"")], None,
     "course.yaml:35:22: error: ttlInDays: '30' is a string, expected integer [segment-definition]\n"),
    ("no-sandbox-header", [("  x-sandbox-name: \"{{SANDBOX_NAME}}\"\n", "")], None,
     "course.yaml:10:3: warning: environment variable SANDBOX_NAME is used by no request or script and is left out; remove it, or say why it stays with kept: [unused-variable]\n"
     "course.yaml:21:9: error: request 'Create': missing required field 'x-sandbox-name' in headers [headers]\n"
     "course.yaml:36:9: error: request 'Read': missing required field 'x-sandbox-name' in headers [headers]\n"),
    ("post-without-content-type", [("        headers:\n          Content-Type: application/json\n", "")], None,
     "course.yaml:22:9: error: request 'Create': missing required field 'content-type' in headers [headers]\n"),
    ("lowercase-bearer", [("Bearer {{ACCESS_TOKEN}}", "bearer {{ACCESS_TOKEN}}")], None,
     "course.yaml:15:18: error: request 'Create': headers.authorization: 'bearer {{ACCESS_TOKEN}}' does not have the expected form (^Bearer \\{\\{[A-Za-z_][A-Za-z0-9_.-]*\\}\\}$) [headers]\n"
     "course.yaml:15:18: error: request 'Read': headers.authorization: 'bearer {{ACCESS_TOKEN}}' does not have the expected form (^Bearer \\{\\{[A-Za-z_][A-Za-z0-9_.-]*\\}\\}$) [headers]\n"),
    ("unknown-placeholder", [("name: ${ldap} - test", "name: ${ldapp} - test")], None,
     "course.yaml:28:17: error: unknown participant value ${ldapp}; known: ldap, sandbox [placeholder]\n"),
    ("undefined-variable", [("{{SEGMENT_ID}}\"", "{{SEGMENT}}\"")], None,
     "course.yaml:39:70: error: {{SEGMENT}} is in no given environment or collection variable, and no earlier script sets it; did you mean {{SEGMENT_ID}}? [undefined-variable]\n"),
    ("token-request-unknown", [("folders:\n", "resilience: {token: {request: Reed}}\nfolders:\n")], None,
     "course.yaml:19:31: error: no request is named 'Reed' [token-request]\n"),
    ("token-request-keeps-nothing", [("folders:\n", "resilience: {token: {request: Read}}\nfolders:\n")], None,
     "course.yaml:19:31: error: request 'Read' keeps no variable, so no token can be taken from it [token-request]\n"),
    ("retry-on-200", [("folders:\n", "resilience: {retry: {statuses: [200]}}\nfolders:\n")], None,
     "course.yaml:19:33: error: resilience.retry.statuses[0]: 200 is less than the minimum of 400 [course-schema]\n"),
    ("roster-no-ldap", [], "name,sandbox\nalice,dev\n",
     "roster.csv:1:1: error: the roster has no 'ldap' column [roster]\n"),
    ("roster-empty-ldap", [], "ldap,sandbox\nalice,dev\n,dev\n",
     "roster.csv:3:1: error: ldap is empty [unsafe-value]\n"),
    ("roster-path-separator", [], "ldap,sandbox\nalice,dev\n../bob,dev\nc/d,dev\n",
     "roster.csv:3:1: error: ldap '../bob' contains '..' [unsafe-value]\n"
     "roster.csv:4:1: error: ldap 'c/d' contains a path separator [unsafe-value]\n"),
    ("roster-duplicate", [], "ldap,sandbox\nalice,dev\nbob,dev\nAlice,prod\n",
     "roster.csv:4:1: error: ldap 'Alice' duplicates the participant on line 2 (ignoring case) [duplicate-participant]\n"),
    ("roster-bad-column", [], "ldap,api key\nalice,x\n",
     "roster.csv:1:6: error: column name 'api key' is not a variable name (letters, digits, _ . -) [roster]\n"),
    ("roster-bad-sandbox", [], "ldap,sandbox\nalice,Dev Box\n",
     "roster.csv:2:7: error: sandbox: 'Dev Box' does not have the expected form (^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$) [roster]\n"),
]


@pytest.mark.parametrize("case, replacements, roster, expected", CASES, ids=[case[0] for case in CASES])
def test_bad_input(cli, course_dir: Path, case: str, replacements: list[tuple[str, str]], roster: str | None, expected: str) -> None:
    edit_course(course_dir, replacements)
    if roster is not None:
        (course_dir / "roster.csv").write_text(roster, encoding="utf-8")

    result = cli("build", "course.yaml", "--out", "out", cwd=course_dir)

    assert (result.exit_code, result.stdout) == (1, expected)
    count = expected.count("\n")
    assert result.stderr == f"{count} problem{'s' if count != 1 else ''} found; nothing written.\n"
    assert not (course_dir / "out").exists()
    assert sorted(p.name for p in course_dir.iterdir()) == ["course.yaml", "roster.csv"]


def test_roster_not_utf8(cli, course_dir: Path) -> None:
    (course_dir / "roster.csv").write_bytes("ldap,sandbox\nzoë,dev\n".encode("latin-1"))
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, "roster.csv:2:3: error: not UTF-8: byte 0xeb cannot be decoded [encoding]\n")


def test_missing_course_file(cli, tmp_path: Path) -> None:
    result = cli("build", "nowhere.yaml")
    assert (result.exit_code, result.stdout) == (1, "nowhere.yaml:0:0: error: no such file [file-not-found]\n")
    assert not (tmp_path / "out").exists()


def test_missing_roster_file(cli, course_dir: Path) -> None:
    result = cli("validate", "course.yaml", "--roster", "class.csv", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, "class.csv:0:0: error: no such file [file-not-found]\n")


def test_yaml_roster_problems_point_at_items(cli, course_dir: Path) -> None:
    (course_dir / "class.yaml").write_text("- ldap: alice\n- sandbox: dev\n- ldap: ALICE\n", encoding="utf-8")
    result = cli("validate", "course.yaml", "--roster", "class.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        1,
        "class.yaml:2:3: error: missing required field 'ldap' [roster]\n"
        "class.yaml:3:3: error: ldap 'ALICE' duplicates the participant on line 1 (ignoring case) [duplicate-participant]\n",
    )


def test_failed_build_keeps_previous_output(cli, course_dir: Path) -> None:
    assert cli("build", "course.yaml", "--out", "out", cwd=course_dir).exit_code == 0
    before = sorted(str(p.relative_to(course_dir)) for p in (course_dir / "out").rglob("*"))
    (course_dir / "roster.csv").write_text("ldap\nalice\nALICE\n", encoding="utf-8")
    result = cli("build", "course.yaml", "--out", "out", cwd=course_dir)
    assert result.exit_code == 1
    assert sorted(str(p.relative_to(course_dir)) for p in (course_dir / "out").rglob("*")) == before
    assert sorted(p.name for p in course_dir.iterdir()) == ["course.yaml", "out", "roster.csv"]


def test_refuses_to_replace_a_foreign_directory(cli, course_dir: Path) -> None:
    (course_dir / "notes").mkdir()
    (course_dir / "notes" / "keep.txt").write_text("mine", encoding="utf-8")
    result = cli("build", "course.yaml", "--out", "notes", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (
        1,
        "notes:0:0: error: refusing to replace a non-empty directory that pmforge did not write (no .pmforge file); choose another --out [output]\n",
    )
    assert [p.name for p in (course_dir / "notes").iterdir()] == ["keep.txt"]
