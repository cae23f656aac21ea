"""One pass, exact positions: the lint rules run on the rendered course, and the renderer's source map puts each
problem at the character of the course YAML it comes from (issue 10, point 2)."""

from __future__ import annotations

from pathlib import Path

from pmforge import building
from pmforge.course_document import CourseDocument
from pmforge.roster import Participant
from tests.conftest import edit_course

READ = '        url: "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions/{{SEGMENT_ID}}"\n        expect: {status: 200}\n'


def _column(course_dir: Path, line: int, text: str) -> int:
    """The 1-based column of ``text`` on ``line`` of the course: what the pins below are written from."""
    return (course_dir / "course.yaml").read_text(encoding="utf-8").split("\n")[line - 1].index(text) + 1


def test_a_problem_inside_a_course_script_points_at_its_character(cli, course_dir: Path) -> None:
    edit_course(course_dir, [(READ, READ + (
        "        scripts:\n"
        "          test: |\n"
        "            // check the reply\n"
        "            pm.test(\"ok\", () => pm.response.to.have.status(200));\n"
        "            if (responseCode.code === 200) { pm.execution.setNextRequest(\"Reed\"); }\n"))])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (_column(course_dir, 45, "responseCode"), _column(course_dir, 45, "Reed")) == (17, 75)
    assert (result.exit_code, result.stdout) == (1, (
        "course.yaml:45:17: warning: legacy script API 'responseCode'; write pm.* instead (e.g. pm.environment.set, pm.response.json(), pm.test) [legacy-script]\n"
        "course.yaml:45:75: error: setNextRequest('Reed') names no request: Newman would stop here, exit 0; did you mean 'Read'? [next-request]\n"))


def test_folder_and_collection_scripts_map_line_by_line(cli, course_dir: Path) -> None:
    edit_course(course_dir, [
        ("  - name: Segments\n", "  - name: Segments\n    scripts:\n      prerequest: |-\n        var a = 1;\n          pm.execution.setNextRequest('Nowhere');\n"),
        ("headers:\n  Authorization", "scripts:\n  test: |\n    pm.test('x', () => {});\n    postman.setNextRequest('Gone');\nheaders:\n  Authorization"),
    ])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, (
        "course.yaml:17:5: warning: legacy script API 'postman.setNextRequest'; write pm.* instead (e.g. pm.environment.set, pm.response.json(), pm.test) [legacy-script]\n"
        "course.yaml:17:29: error: setNextRequest('Gone') names no request: Newman would stop here, exit 0 [next-request]\n"
        "course.yaml:28:40: error: setNextRequest('Nowhere') names no request: Newman would stop here, exit 0 [next-request]\n"))
    assert (_column(course_dir, 17, "Gone"), _column(course_dir, 28, "Nowhere")) == (29, 40)


def test_variables_in_url_parts_and_a_raw_body_point_at_their_characters(cli, course_dir: Path) -> None:
    edit_course(course_dir, [(READ, (
        '        url: "{{PLATFORM_GATEWAY}}/data/core/ups/segment/definitions/{{SEGMENT}}?x={{NOPE}}"\n'
        "        expect: {status: 200}\n"
        "      - name: Note\n"
        "        method: POST\n"
        '        url: "{{PLATFORM_GATEWAY}}/notes"\n'
        "        headers: {Content-Type: application/json}\n"
        "        expect: {status: 200}\n"
        "        raw: |\n"
        "          {\n"
        '            "what": "${sandbox}", oops\n'
        "          }\n"))])
    result = cli("validate", "course.yaml", cwd=course_dir)
    # The raw body is checked as filled for a stand-in participant; its positions are the course's all the same.
    assert [_column(course_dir, 39, "{{SEGMENT}}"), _column(course_dir, 39, "{{NOPE}}"), _column(course_dir, 48, "oops")] == [70, 84, 35]
    assert (result.exit_code, result.stdout) == (1, (
        "course.yaml:39:70: error: {{SEGMENT}} is in no given environment or collection variable, and no earlier script sets it; did you mean {{SEGMENT_ID}}? [undefined-variable]\n"
        "course.yaml:39:84: error: {{NOPE}} is in no given environment or collection variable, and no earlier script sets it [undefined-variable]\n"
        "course.yaml:48:35: error: request 'Note': the JSON body does not parse: expected a key in double quotes [body-json]\n"))


TREE = "            value: '{\"nodeType\":\"literal\",\"literalType\":\"Boolean\",\"value\":true}'\n"


def test_a_pql_tree_written_as_yaml_points_at_its_node(cli, course_dir: Path) -> None:
    edit_course(course_dir, [(TREE, (
        "            value:\n"
        "              nodeType: fnApply\n"
        "              fnName: \"!=\"\n"
        "              params:\n"
        "                - {nodeType: fieldLookup, fieldName: gender, object: {nodeType: parameterReference, position: 1}}\n"
        "                - {nodeType: litral, literalType: String, value: female}\n"))])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert _column(course_dir, 37, "litral") == 30
    assert (result.exit_code, result.stdout) == (1, (
        "course.yaml:37:30: error: PQL tree: params[1].nodeType: 'litral' is not one of 'fnApply', 'fieldLookup', 'literal', 'parameterReference', "
        "'select', 'varDecl', 'varRef', 'lambda', 'occurs', 'timeQualification', 'duration', 'chain', 'element' [pql-tree]\n"))
    edit_course(course_dir, [("nodeType: litral", "nodeType: literal")])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, (
        "course.yaml:33:15: error: PQL: unknown field `gender`; did you mean `person.gender`? [pql-field]\n"
        "course.yaml:34:23: warning: PQL tree: `!=`: no public AEP pql/json tree confirms its form, which pmforge infers; pql/text is the safe choice [pql-unconfirmed]\n"))


def test_pql_text_is_reported_once_by_its_compiler_not_again_in_the_compiled_tree(cli, course_dir: Path) -> None:
    edit_course(course_dir, [(TREE, "            pql: 'person.gender != \"female\"'\n")])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert _column(course_dir, 32, "!=") == 33
    assert (result.exit_code, result.stdout, result.stderr) == (0, (
        "course.yaml:32:33: warning: PQL: `!=`: no public AEP pql/json tree confirms its form, which pmforge infers; pql/text is the safe choice [pql-unconfirmed]\n"),
        "ok: 2 participants checked\n")


def test_a_header_problem_points_at_the_header_key_and_lint_of_the_output_agrees(cli, course_dir: Path) -> None:
    edit_course(course_dir, [("        expect: {status: 200}\n", "        expect: {status: 200}\n        headers: {Content-Type: application/json}\n")])
    result = cli("build", "course.yaml", "--out", "out", cwd=course_dir)
    # The lint rule's warning at the key; the header schema's restatement at that spot goes, in a course as in lint.
    assert (result.exit_code, result.stdout) == (0, "course.yaml:41:19: warning: GET request 'Read' has no body but sends Content-Type [content-type-without-body]\n")
    linted = cli("lint", "out/alice", cwd=course_dir)
    assert (linted.exit_code, [line.split(": ", 1)[1] for line in linted.stdout.splitlines()]) == (
        0, ["warning: GET request 'Read' has no body but sends Content-Type [content-type-without-body]"])


def test_a_duplicate_name_is_an_error_in_a_course_through_the_one_level_table(cli, course_dir: Path) -> None:
    edit_course(course_dir, [("      - name: Read\n", "      - name: Create\n")])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (1, "course.yaml:37:15: error: request name 'Create' is used in this folder too (line 22) [duplicate-name]\n")
    edit_course(course_dir, [("defaults:\n", "settings:\n  rules: {duplicate-name: warning}\ndefaults:\n")])
    result = cli("validate", "course.yaml", cwd=course_dir)
    assert (result.exit_code, result.stdout) == (0, "course.yaml:39:15: warning: request name 'Create' is used in this folder too (line 24) [duplicate-name]\n")


def test_a_leaked_secret_in_a_raw_body_points_at_its_placeholder(cli, course_dir: Path) -> None:
    edit_course(course_dir, [
        ('  ACCESS_TOKEN: {value: "", secret: true}\n', '  ACCESS_TOKEN: {value: "${TOKEN}", secret: true}\n'),
        (READ, READ + "      - name: Note\n        method: POST\n        url: \"{{PLATFORM_GATEWAY}}/notes\"\n"
                      "        expect: {status: 200}\n        raw: 'token is ${TOKEN}'\n"),
    ])
    (course_dir / "roster.csv").write_text("ldap,TOKEN\nalice,a-long-token-value\n", encoding="utf-8")
    result = cli("build", "course.yaml", cwd=course_dir)
    assert _column(course_dir, 45, "${TOKEN}") == 24
    assert (result.exit_code, result.stdout) == (1, (
        "course.yaml:45:24: error: the value of secret ACCESS_TOKEN of 'alice' (roster.csv line 2) would be written into the collection "
        "at item/0/item/2/request/body/raw [secret]\n"
        # The roster's TOKEN column is a secret by its name too (the course does not declare it).
        "course.yaml:45:24: error: the value of secret TOKEN of 'alice' (roster.csv line 2) would be written into the collection "
        "at item/0/item/2/request/body/raw [secret]\n"))


def test_the_renderer_records_where_each_value_lands(course_dir: Path) -> None:
    edit_course(course_dir, [(READ, READ + "        scripts: {test: \"pm.test('read', () => {});\"}\n")])
    course, _ = building.load_course(course_dir / "course.yaml")
    assert course is not None
    renderer = building.Renderer(course)
    rendered = renderer.render(Participant("learner", "prod", {}))
    document = CourseDocument(course, rendered.collection, renderer.source_map, {})
    create = ("folders", 0, "requests", 0)
    assert document.yaml_path(("item", 0, "item", 0, "name")) == (create + ("name",), True)
    assert document.yaml_path(("item", 0, "item", 0, "request", "header", 0, "value")) == (("headers", "Authorization"), True)
    assert document.yaml_path(("item", 0, "item", 0, "request", "body", "raw")) == (create + ("body",), True)
    # pmforge's own script lines belong to the request they are written for.
    events = rendered.collection["item"][0]["item"][0]["event"]
    assert document.yaml_path(("item", 0, "item", 0, "event", len(events) - 1, "script", "exec", 0)) == (create, False)
    # In one script, pmforge's lines (the reply's checks) and then the author's, which map to the course script.
    read = ("folders", 0, "requests", 1)
    test = rendered.collection["item"][0]["item"][1]["event"][-1]["script"]["exec"]
    assert test[-1] == "pm.test('read', () => {});"
    assert document.yaml_path(("item", 0, "item", 1, "event", 1, "script", "exec", 0)) == (read, False)
    assert document.yaml_path(("item", 0, "item", 1, "event", 1, "script", "exec", len(test) - 1)) == (read + ("scripts", "test"), True)
    # The path segments of the URL, each at its offset in the course's url.
    assert document.position(("item", 0, "item", 0, "request", "url", "path", 3)) == (24, _column(course_dir, 24, "segment/")) == (24, 50)
